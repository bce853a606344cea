"""Tokenisation: normalised text → words, in reading order.

``Segmenter.tokens(text)`` — precise segmentation (jieba with the domain dictionary and HMM), normalised
(``normalize``), stopwords and bare numbers removed. Mixed tokens survive whole: ``pet``, ``mrna``, ``5g``,
``co2``, ``cuo-zno-zro2``, and a latin/greek prefix joined by a hyphen to the Chinese word after it
(``β-酪蛋白``, ``l-缬氨酸``). ``Segmenter.subwords(token)`` — dictionary words inside a compound.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable

from .chars import HAN, HAN_RE, LATIN
from .dictionary import MIN_SUBWORD_FREQ, domain_words, is_mixed, stopwords, tokenizer_with
from .normalize import normalize

__all__ = ["Segmenter", "bigrams"]

# memoised jieba cuts (runs of Chinese characters) and sub-words, per segmenter
CUT_CACHE_SIZE = 50_000
SUBWORD_CACHE_SIZE = 200_000
# memoised words of whole texts: one posting's fields are read by search indexing and by each of the
# matcher's features in turn, so the texts of the last few postings suffice
TEXT_CACHE_SIZE = 1024

_PIECE_RE = re.compile(rf"([{HAN}]+)|({LATIN})(-(?=[{HAN}]))?")
_NUMBER_RE = re.compile(r"^[0-9]+(?:[.,/-][0-9]+)*$")
_JOINERS_RE = re.compile(r"[-+./]")
_ALL_HAN_RE = re.compile(rf"[{HAN}]*")


def _bounded(word: str) -> str:
    """A regex for ``word`` that does not start or end inside a Latin word."""
    pattern = re.escape(word)
    if re.match(r"[0-9a-zα-ω]", word):
        pattern = r"(?<![0-9a-zα-ω])" + pattern
    if re.search(r"[0-9a-zα-ω+#]$", word):
        pattern += r"(?![0-9a-zα-ω+#])"
    return pattern


def bigrams(token: str) -> list[str]:
    """Character bigrams of the Chinese characters of a token."""
    return list(_bigrams(token))


@functools.lru_cache(maxsize=200_000)
def _bigrams(token: str) -> tuple[str, ...]:
    han = token if _ALL_HAN_RE.fullmatch(token) else "".join(HAN_RE.findall(token))
    return tuple(han[i : i + 2] for i in range(len(han) - 1))


class Segmenter:
    """Segmentation into words; ``keep_whole`` are extra words (synonym terms) the segmenter keeps whole."""

    def __init__(self, keep_whole: Iterable[str] = ()):
        self.stopwords = stopwords()
        self._keep_whole = tuple(keep_whole)
        # words mixing Latin and Chinese (3d打印, pem电解) are found before segmentation, since jieba only
        # ever sees runs of Chinese characters; longest first, and not inside a longer Latin word
        mixed = sorted({w for w in (*domain_words(), *self._keep_whole) if is_mixed(w)}, key=lambda w: (-len(w), w))
        self.mixed_words = frozenset(mixed)
        self._mixed_re = re.compile("|".join(_bounded(w) for w in mixed)) if mixed else None
        self._tokenizer = None
        self._lock = threading.Lock()
        # jieba is the slow part: the same runs of Chinese text (a title, a sentence) are cut again and
        # again — by search indexing, by each of the matcher's features, across postings — so cuts and
        # sub-words are memoised per segmenter (results are immutable tuples; a new synonym list means a
        # new analyser, hence fresh caches)
        self._cut = functools.lru_cache(maxsize=CUT_CACHE_SIZE)(self._cut_uncached)
        self._subwords = functools.lru_cache(maxsize=SUBWORD_CACHE_SIZE)(self._subwords_uncached)
        self._kept: dict[str, bool] = {}  # word → kept by _keep (stopwords and numbers are not)
        self._text_words = functools.lru_cache(maxsize=TEXT_CACHE_SIZE)(self._text_words_uncached)
        self._text_tokens = functools.lru_cache(maxsize=TEXT_CACHE_SIZE)(self._text_tokens_uncached)

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = tokenizer_with(self._keep_whole)
        return self._tokenizer

    def _words(self, text: str) -> list[str]:
        """All words in reading order, before stopword and number filtering."""
        return list(self._text_words(text))

    def _text_words_uncached(self, text: str) -> tuple[str, ...]:
        return tuple(self._find_words(text))

    def _find_words(self, text: str) -> list[str]:
        text = normalize(text)
        if self._mixed_re is None or not self._mixed_re.search(text):
            return self._piece_words(text)
        words: list[str] = []
        start = 0
        for match in self._mixed_re.finditer(text):
            words.extend(self._piece_words(text[start : match.start()]))
            words.append(match.group())
            start = match.end()
        words.extend(self._piece_words(text[start:]))
        return words

    def _piece_words(self, text: str) -> list[str]:
        """Words of normalised text without mixed dictionary words: Latin pieces whole, Chinese runs cut."""
        words: list[str] = []
        prefix, prefix_end = None, -1
        for match in _PIECE_RE.finditer(text):
            han, latin, hyphen = match.groups()
            if han:
                cut = list(self._cut(han))
                if prefix and cut and match.start() == prefix_end:
                    cut[0] = prefix + cut[0]
                elif prefix:
                    words.append(prefix.rstrip("-"))
                prefix = None
                words.extend(cut)
            else:
                if prefix:
                    words.append(prefix.rstrip("-"))
                    prefix = None
                if hyphen:
                    prefix, prefix_end = latin + "-", match.end()
                else:
                    words.append(latin)
        if prefix:
            words.append(prefix.rstrip("-"))
        return words

    def _keep(self, word: str) -> bool:
        keep = self._kept.get(word)
        if keep is None:
            keep = bool(word) and word not in self.stopwords and not _NUMBER_RE.match(word)
            if len(self._kept) < SUBWORD_CACHE_SIZE:
                self._kept[word] = keep
        return keep

    def tokens(self, text: str) -> list[str]:
        """Precise segmentation, normalised, stopwords and bare numbers removed, in reading order."""
        return list(self._text_tokens(text))

    def _text_tokens_uncached(self, text: str) -> tuple[str, ...]:
        return tuple(w for w in self._text_words(text) if self._keep(w))

    def _cut_uncached(self, han: str) -> tuple[str, ...]:
        return tuple(w for w in self.tokenizer.cut(han, HMM=True) if w)

    def subwords(self, token: str) -> list[str]:
        """Dictionary words inside a compound token (乳房炎 → 乳房), and parts of a mixed token."""
        return list(self._subwords(token))

    def _subwords_uncached(self, token: str) -> tuple[str, ...]:
        return tuple(self._find_subwords(token))

    def _find_subwords(self, token: str) -> list[str]:
        if token in self.mixed_words:  # 3d打印 → 3d, 打印 (and their sub-words)
            out = []
            for word in self._piece_words(token):
                if self._keep(word):
                    out.append(word)
                out += self.subwords(word)
            return out
        if not HAN_RE.search(token):
            parts = _JOINERS_RE.split(token) if _JOINERS_RE.search(token) else []
            return [p for p in parts if len(p) >= 2 and self._keep(p)]
        if "-" in token:  # β-酪蛋白 → 酪蛋白 (+ the sub-words of 酪蛋白)
            head, _, tail = token.rpartition("-")
            out = [tail] if self._keep(tail) else []
            out += self.subwords(tail)
            if len(head) >= 2 and self._keep(head):
                out.append(head)
            return out
        if len(token) < 3:
            return []
        tokenizer = self.tokenizer
        freq, domain = tokenizer.FREQ, tokenizer.domain_words
        out = []
        for size in range(2, len(token)):
            for i in range(len(token) - size + 1):
                gram = token[i : i + size]
                if (gram in domain or freq.get(gram, 0) >= MIN_SUBWORD_FREQ) and self._keep(gram):
                    out.append(gram)
        return out
