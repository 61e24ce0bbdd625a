"""Mentorship-journey benchmark: credential signing and verification (Ed25519,
eddsa-jcs-2022) and resource suggestions (BM25 over the library), no database needed.

    python bench/journey.py
    python bench/journey.py --resources 20000 --repeat 5

Suggestions: ``openmentor.resources.search.bm25_scores`` ranks every resource a person can
see against their goal text on each request. Baseline in the same run: plain word
overlap (how many goal words a resource contains), the simplest lexical ranking; both
see the same corpus. Targets: sign + verify ≤ 2 ms each; suggestions over 5,000
resources ≤ 150 ms.

Results go to ``bench/results/journey.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("OPENMENTOR_VAR_DIR", tempfile.mkdtemp(prefix="om-bench-"))

import django  # noqa: E402

django.setup()

from openmentor.mentorships import credentials  # noqa: E402
from openmentor.resources.search import bm25_scores, normalise, tokens  # noqa: E402

WORDS = [
    "grant",
    "writing",
    "funding",
    "proposal",
    "research",
    "methods",
    "statistics",
    "regression",
    "thesis",
    "chapter",
    "publication",
    "journal",
    "peer",
    "review",
    "career",
    "interview",
    "leadership",
    "teaching",
    "pedagogy",
    "python",
    "data",
    "analysis",
    "visualisation",
    "qualitative",
    "interviews",
    "ethics",
    "fieldwork",
    "writing",
    "habits",
    "routine",
    "reflection",
    "feedback",
    "presentation",
    "conference",
    "networking",
    "negotiation",
]


def corpus(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [normalise(" ".join(rng.choices(WORDS, k=rng.randint(8, 40)))) for _ in range(n)]


def overlap_scores(query: str, documents: list[str]) -> list[float]:
    wanted = set(tokens(query))
    return [float(len(wanted & set(tokens(d)))) for d in documents]


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def sample_credential() -> dict:  # type: ignore[type-arg]
    return {
        "@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000000",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Mentoring completed: Global Doctoral Mentoring",
        "issuer": {"id": "placeholder", "type": ["Profile"], "name": "OpenMentor"},
        "validFrom": "2026-11-29T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "narrative": "Completed 12 sessions, 14.5 hours, 3 goals achieved.",
            "achievement": {"id": "https://example.org/a", "type": ["Achievement"], "name": "x"},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from openmentor.mentorships import signing

    document = sample_credential()
    document["issuer"]["id"] = signing.issuer_did()
    signed = credentials.sign(document)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["narrative"] = "Completed 99 sessions."
    assert credentials.verify(signed).valid and not credentials.verify(tampered).valid
    sign_ms = timed(lambda: credentials.sign(document), args.repeat * 50)
    verify_ms = timed(lambda: credentials.verify(signed), args.repeat * 50)

    docs = corpus(args.resources)
    goal = "Win a research grant: write the funding proposal and the methods chapter"
    ours = bm25_scores(goal, docs, normalised=True)
    base = overlap_scores(goal, docs)
    ours_top = sorted(range(len(docs)), key=lambda i: -ours[i])[:5]
    base_top = sorted(range(len(docs)), key=lambda i: -base[i])[:5]
    bm25_ms = timed(lambda: bm25_scores(goal, docs, normalised=True), args.repeat)
    overlap_ms = timed(lambda: overlap_scores(goal, docs), args.repeat)

    result = {
        "benchmark": "mentorship journey: credentials and suggestions",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        "credential_sign_median_ms": round(statistics.median(sign_ms), 3),
        "credential_verify_median_ms": round(statistics.median(verify_ms), 3),
        "credential_bytes": len(json.dumps(signed)),
        "resources": args.resources,
        "bm25_suggestions_median_ms": round(statistics.median(bm25_ms), 1),
        "baseline_word_overlap_median_ms": round(statistics.median(overlap_ms), 1),
        "top5_agreement_with_baseline": len(set(ours_top) & set(base_top)),
        "note": "BM25 weighs rare words and discounts long documents; word overlap does not.",
    }
    out = ROOT / "bench" / "results" / "journey.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
