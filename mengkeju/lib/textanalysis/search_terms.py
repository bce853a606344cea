"""Search-index terms: what library search stores for a posting and looks up for a query."""

from __future__ import annotations

from .tokenize import Segmenter

__all__ = ["search_tokens"]


def search_tokens(segmenter: Segmenter, text: str) -> list[str]:
    """``tokens()`` plus the sub-words of each token (jieba cut_for_search style), for indexing."""
    out: list[str] = []
    for token in segmenter.tokens(text):
        out.extend(segmenter.subwords(token))
        out.append(token)
    return out
