"""Normalisation: the one function every text path calls before comparing or indexing text.

``normalize(text)`` is used by import, forms, library search (index and query), the matcher, and the
region and organisation names. Why did 碳纖維 not match 碳纤维? Look here.
"""

from __future__ import annotations

import unicodedata

__all__ = ["normalize"]


def normalize(text: str) -> str:
    """NFKC (full-width → half-width) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()
