"""Normalisation: the one function every text path calls before comparing or indexing text.

``normalize(text)`` is what import, forms, library search (index and query), the matcher, and region and
organisation-name comparisons call. Why did 碳纖維 not match 碳纤维, or 耐高温α–淀粉酶 not match
α-淀粉酶? Because the text had not been through this function. In order:

1. zero-width characters (U+200B–U+200D, U+2060, U+FEFF, U+00AD soft hyphen), bidirectional
   controls (U+200E/F, U+202A–U+202E, U+2066–U+2069, U+061C) and lone surrogates are removed;
2. Unicode NFKC: full-width forms become half-width (ＡＢＣ１２３ → ABC123), the ideographic space
   U+3000 a plain space, compatibility ideographs their unified form;
3. the dash and hyphen family (U+2010–U+2015, U+2212 minus, U+FE58, U+FE63, U+FF0D) becomes ``-``;
4. traditional Chinese becomes simplified with OpenCC's ``t2s`` conversion (the maintained converter
   of the BYVoid/OpenCC project, PyPI package ``opencc``), phrase-aware (乾燥 → 干燥);
5. lower case (unless ``lower=False``: text kept for display or storage keeps its case).

The result is idempotent: ``normalize(normalize(t)) == normalize(t)`` (property-tested on arbitrary
Unicode in tests/lib/test_textanalysis_properties.py).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

__all__ = ["DASHES", "INVISIBLE", "normalize", "normalize_char_map", "normalize_name"]

# removed: zero-width characters, soft hyphen, bidi marks, embeddings, overrides and isolates
INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)
# folded to "-": hyphen … horizontal bar, minus sign, small and full-width hyphen-minus
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"

_TABLE = (
    {ord(c): None for c in INVISIBLE}
    | {ord(c): "-" for c in DASHES}
    # lone surrogates are not text (they cannot even be encoded as UTF-8); drop them
    | {code: None for code in range(0xD800, 0xE000)}
)
# any character _TABLE changes: most text has none, and a regex scan is far cheaper than translate()
# with a dict table, which looks up every character in Python
_TABLE_RE = re.compile("[" + re.escape(INVISIBLE + DASHES) + "\ud800-\udfff]")
_opencc_lock = threading.Lock()
_converter = None


def _t2s():
    """The OpenCC traditional → simplified converter, built once per process."""
    global _converter
    with _opencc_lock:
        if _converter is None:
            import opencc

            _converter = opencc.OpenCC("t2s")
        return _converter


def _has_cjk(text: str) -> bool:
    return any(ch >= "\u2e80" for ch in text)


def _fold(text: str) -> str:
    """``text.translate(_TABLE)``, skipped when no character of the table occurs (the common case)."""
    return text.translate(_TABLE) if _TABLE_RE.search(text) else text


def _normalize_uncached(text: str) -> str:
    text = unicodedata.normalize("NFKC", _fold(text))
    # NFKC can produce dashes (e.g. from compatibility forms) and never removes them: fold after it too
    text = _fold(text)
    if _has_cjk(text):
        text = _t2s().convert(text)
        # OpenCC leaves NFKC-stable text NFKC-stable in practice; re-applying keeps the result idempotent
        text = _fold(unicodedata.normalize("NFKC", text))
    return text


def _lowered_uncached(text: str) -> str:
    out = _normalize(text).lower() if len(text) <= 512 else _normalize_long(text).lower()
    # lower-casing can leave text NFKC would change again (rare: e.g. U+0130); settle it
    for _ in range(3):
        if out.isascii():
            break
        again = _fold(unicodedata.normalize("NFKC", out)).lower()
        if again == out:
            break
        out = again
    return out


# short texts (titles, keywords, sentences, queries) recur across postings: many kept; long texts
# (descriptions) are normalised several times while one posting is analysed (search terms, each of the
# matcher's features): the last few kept
_normalize = functools.lru_cache(maxsize=65_536)(_normalize_uncached)
_normalize_long = functools.lru_cache(maxsize=64)(_normalize_uncached)
_lowered = functools.lru_cache(maxsize=65_536)(_lowered_uncached)
_lowered_long = functools.lru_cache(maxsize=64)(_lowered_uncached)


def normalize(text: str | None, *, lower: bool = True) -> str:
    """``text`` in the one canonical form used for comparing, indexing and matching (see the module doc).

    ``None`` and ``""`` give ``""``. ``lower=False`` keeps the case (for text stored or shown).
    Never raises for any ``str``. Results are memoised (all short texts, the last few long ones).
    """
    if not text:
        return ""
    if lower:
        return _lowered(text) if len(text) <= 512 else _lowered_long(text)
    return _normalize(text) if len(text) <= 512 else _normalize_long(text)


def normalize_name(text: str | None) -> str:
    """A name as stored and compared (organisations, regions): ``normalize(text, lower=False)`` with runs
    of whitespace made one space and the ends stripped — 內蒙古大學　 and 内蒙古大学 are one name."""
    return " ".join(normalize(text, lower=False).split())


def normalize_char_map(text: str) -> tuple[str, list[int]]:
    """``text`` normalised character by character, with the index in ``text`` of each output character:
    ``(normalised, origins)``, ``len(origins) == len(normalised)``. Used to map a match in normalised
    text back onto the original text (highlighting). Per character, so OpenCC's phrase conversions do not
    apply; single-character conversions (纖 → 纤) do."""
    out: list[str] = []
    origins: list[int] = []
    for i, ch in enumerate(text):
        for n in normalize(ch):
            out.append(n)
            origins.append(i)
    return "".join(out), origins
