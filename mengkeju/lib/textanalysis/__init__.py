"""Text analysis shared by library search and the matcher: one place that turns Chinese text into words.

* ``Analyzer.tokens(text)`` — precise segmentation (jieba with the domain dictionary and HMM), normalised
  (NFKC, lower-case latin), stopwords and bare numbers removed. Mixed tokens survive whole: ``pet``,
  ``mrna``, ``5g``, ``co2``, ``cuo-zno-zro2``, and a latin/greek prefix joined by a hyphen to the Chinese
  word after it (``β-酪蛋白``, ``l-缬氨酸``).
* ``Analyzer.search_tokens(text)`` — what library search indexes: ``tokens()`` plus the sub-words of
  compounds (``乳房炎`` also gives ``乳房``), so a word inside a longer word is found. Every token of
  ``tokens(text)`` is also in ``search_tokens(text)``.
* ``Analyzer.weighted_terms(keywords=, title=, description=)`` — the matcher's bag of words with field
  weights (keywords > title > description), sub-words at a reduced weight.
* ``Analyzer.weighted_grams(...)`` — character bigrams of the Chinese words, the matcher's second signal
  for different wordings of one term (``风机叶片`` / ``风电叶片``, ``布鲁氏菌`` / ``布鲁氏杆菌``).
* ``Analyzer.expand(terms)`` — adds synonyms at a reduced weight, remembering which term they came from.

No Django here. jieba is loaded lazily on first use (about 0.5 s with its cache file), never at import.
Synonyms come from a loader registered with ``register_synonym_source`` (the matching app registers one
reading the ``Synonym`` table); without one, the starter list in ``data/synonyms.tsv`` is used.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = [
    "Analyzer",
    "FIELD_WEIGHTS",
    "default_analyzer",
    "register_synonym_source",
    "reset_default_analyzer",
    "starter_synonyms",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

# Field weights of the matcher's bag of words: user keywords > title > description.
FIELD_WEIGHTS = {"keywords": 3.0, "title": 2.0, "description": 1.0}
# A sub-word (乳房 inside 乳房炎) counts this much of its compound's weight.
SUBWORD_FACTOR = 0.3
# A single Chinese character word (羊, 酶) counts this much: it is often a fragment, not a term.
SINGLE_CHAR_FACTOR = 0.5
# A synonym counts this much of the term it was expanded from.
SYNONYM_FACTOR = 0.85
# jieba's general dictionary lists many fragments with tiny counts (化剂, 氧化碳); a sub-word must be a
# domain or synonym term, or a general word at least this frequent.
MIN_SUBWORD_FREQ = 10
# memoised jieba cuts (runs of Chinese characters) and sub-words, per analyser
CUT_CACHE_SIZE = 50_000
SUBWORD_CACHE_SIZE = 200_000

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A latin/greek/digit word, possibly with inner joiners: pet, 5g, co2, cuo-zno-zro2, sio2/si3n4, li-ion.
_LATIN = r"[0-9a-zα-ω]+(?:[-+./][0-9a-zα-ω]+)*"
_PIECE_RE = re.compile(rf"([{_HAN}]+)|({_LATIN})(-(?=[{_HAN}]))?")
_HAN_RE = re.compile(rf"[{_HAN}]")
_NUMBER_RE = re.compile(r"^[0-9]+(?:[.,/-][0-9]+)*$")
_JOINERS_RE = re.compile(r"[-+./]")

logger = logging.getLogger(__name__)


def _read_lines(name: str) -> list[str]:
    lines = []
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("#"):
                lines.append(line)
    return lines


def normalize(text: str) -> str:
    """NFKC (full-width → half-width) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def starter_synonyms() -> list[tuple[str, str, str]]:
    """The general starter list shipped with the code: (term, synonym, note)."""
    rows = []
    for line in _read_lines("synonyms.tsv"):
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].strip() and parts[1].strip():
            rows.append((parts[0].strip(), parts[1].strip(), parts[2].strip() if len(parts) > 2 else ""))
    return rows


def bigrams(token: str) -> list[str]:
    """Character bigrams of the Chinese characters of a token."""
    han = "".join(ch for ch in token if _HAN_RE.match(ch))
    return [han[i : i + 2] for i in range(len(han) - 1)]


# --- jieba, loaded once per process -------------------------------------------------------------

_base_lock = threading.Lock()
_base_tokenizer = None


def _cache_dir() -> str:
    path = os.environ.get("MENGKEJU_JIEBA_CACHE_DIR") or tempfile.gettempdir()
    os.makedirs(path, exist_ok=True)
    return path


def _base():
    """jieba's default dictionary plus the domain dictionary; built once per process."""
    global _base_tokenizer
    with _base_lock:
        if _base_tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.tmp_dir = _cache_dir()
            tokenizer.initialize()
            tokenizer.domain_words = set()
            for line in _read_lines("domain_dict.txt"):
                parts = line.split()
                word = normalize(parts[0])
                if _HAN_RE.search(word):
                    freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                    tokenizer.add_word(word, freq)
                    tokenizer.domain_words.add(word)
            _base_tokenizer = tokenizer
        return _base_tokenizer


def _tokenizer_with(words: Iterable[str]):
    """A copy of the base tokenizer that also keeps ``words`` whole (synonym terms)."""
    import jieba

    base = _base()
    words = sorted({w for w in words if _HAN_RE.search(w)} - base.domain_words)
    if not words:
        return base
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = base.tmp_dir
    with base.lock:
        tokenizer.FREQ = dict(base.FREQ)
        tokenizer.total = base.total
    tokenizer.initialized = True
    tokenizer.domain_words = base.domain_words | set(words)
    for word in words:
        if word not in base.FREQ or base.FREQ[word] < MIN_SUBWORD_FREQ:
            tokenizer.add_word(word)
    return tokenizer


# --- the analyser -------------------------------------------------------------------------------


class Analyzer:
    """Segmentation, normalisation and synonyms. Deterministic for a given synonym list."""

    def __init__(self, synonyms: Iterable[tuple[str, ...]] = ()):
        self.stopwords = frozenset(normalize(w).strip() for w in _read_lines("stopwords.txt"))
        groups: dict[str, set[str]] = {}
        for pair in synonyms:
            a, b = normalize(pair[0]).strip(), normalize(pair[1]).strip()
            if a and b and a != b:
                groups.setdefault(a, set()).add(b)
                groups.setdefault(b, set()).add(a)
        self.synonyms: dict[str, tuple[str, ...]] = {k: tuple(sorted(v)) for k, v in sorted(groups.items())}
        self._tokenizer = None
        self._lock = threading.Lock()
        # jieba is the slow part: the same runs of Chinese text (a title, a sentence) are cut again and
        # again — by search indexing, by each of the matcher's features, across postings — so cuts and
        # sub-words are memoised per analyser (results are immutable tuples; a new synonym list means a
        # new analyser, hence fresh caches)
        self._cut = functools.lru_cache(maxsize=CUT_CACHE_SIZE)(self._cut_uncached)
        self._subwords = functools.lru_cache(maxsize=SUBWORD_CACHE_SIZE)(self._subwords_uncached)

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = _tokenizer_with(self.synonyms)
        return self._tokenizer

    # -- segmentation

    def _words(self, text: str) -> list[str]:
        """All words in reading order, before stopword and number filtering."""
        text = normalize(text)
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
        return bool(word) and word not in self.stopwords and not _NUMBER_RE.match(word)

    def tokens(self, text: str) -> list[str]:
        """Precise segmentation, normalised, stopwords and bare numbers removed, in reading order."""
        return [w for w in self._words(text) if self._keep(w)]

    def _cut_uncached(self, han: str) -> tuple[str, ...]:
        return tuple(w for w in self.tokenizer.cut(han, HMM=True) if w)

    def subwords(self, token: str) -> list[str]:
        """Dictionary words inside a compound token (乳房炎 → 乳房), and parts of a mixed token."""
        return list(self._subwords(token))

    def _subwords_uncached(self, token: str) -> tuple[str, ...]:
        return tuple(self._find_subwords(token))

    def _find_subwords(self, token: str) -> list[str]:
        if not _HAN_RE.search(token):
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

    def search_tokens(self, text: str) -> list[str]:
        """``tokens()`` plus the sub-words of each token (jieba cut_for_search style), for indexing."""
        out: list[str] = []
        for token in self.tokens(text):
            out.extend(self.subwords(token))
            out.append(token)
        return out

    # -- the matcher's features

    def weighted_terms(
        self, *, keywords: Iterable[str], title: str, description: str, field_weights: dict | None = None
    ) -> dict[str, float]:
        """Field-weighted term frequencies (``FIELD_WEIGHTS``: keywords > title > description), sub-words of
        compounds at ``SUBWORD_FACTOR`` and one-character words at ``SINGLE_CHAR_FACTOR`` of that."""
        field_weights = field_weights or FIELD_WEIGHTS
        terms: dict[str, float] = {}
        fields = (("keywords", " ".join(keywords or ())), ("title", title), ("description", description))
        for field, text in fields:
            weight = field_weights[field]
            for token in self.tokens(text):
                w = weight * (SINGLE_CHAR_FACTOR if len(token) == 1 else 1.0)
                terms[token] = terms.get(token, 0.0) + w
                for sub in self.subwords(token):
                    terms[sub] = terms.get(sub, 0.0) + weight * SUBWORD_FACTOR
        return terms

    def concepts(self, *, keywords: Iterable[str], title: str = "") -> list[dict[str, float]]:
        """What the posting is about, one entry per keyword (or per title word when there are none):
        the terms that express it — its words 1.0, their sub-words and synonyms less — term → factor."""
        phrases = [k for k in (keywords or ()) if k and k.strip()]
        if not phrases:
            phrases = [t for t in self.tokens(title) if len(t) > 1]
        out = []
        for phrase in phrases:
            terms: dict[str, float] = {}

            def put(term, factor, terms=terms):
                if terms.get(term, 0.0) < factor:
                    terms[term] = factor

            words = self.tokens(phrase)
            for word in words:
                put(word, 1.0)
                for sub in self.subwords(word):
                    put(sub, SUBWORD_FACTOR)
            for word in list(terms):
                for syn in self.synonyms.get(word, ()):
                    put(syn, SYNONYM_FACTOR * terms[word])
                    for sub in self.head_and_tail(syn):
                        put(sub, SYNONYM_FACTOR * SUBWORD_FACTOR * terms[word])
            if terms:
                out.append(terms)
        return out

    def weighted_grams(
        self, *, keywords: Iterable[str], title: str, description: str, field_weights: dict | None = None
    ) -> dict[str, float]:
        """Field-weighted character bigrams inside the Chinese words (not across word boundaries)."""
        field_weights = field_weights or FIELD_WEIGHTS
        grams: dict[str, float] = {}
        fields = (("keywords", " ".join(keywords or ())), ("title", title), ("description", description))
        for field, text in fields:
            weight = field_weights[field]
            for token in self.tokens(text):
                for gram in bigrams(token):
                    grams[gram] = grams.get(gram, 0.0) + weight
        return grams

    def expand(self, terms: dict[str, float], factor: float = SYNONYM_FACTOR) -> dict[str, tuple[float, str | None]]:
        """Terms plus their synonyms at ``factor`` of the weight: term → (weight, source term or None).

        A term present in the text keeps its own weight when that is higher than a synonym's.
        """
        out: dict[str, tuple[float, str | None]] = {t: (w, None) for t, w in terms.items()}

        def put(term, weight, source):
            current = out.get(term)
            if current is None or current[0] < weight:
                out[term] = (weight, source)

        for term, weight in sorted(terms.items()):
            for syn in self.synonyms.get(term, ()):
                put(syn, weight * factor, term)
                for sub in self.head_and_tail(syn):
                    put(sub, weight * factor * SUBWORD_FACTOR, term)
        return out

    def head_and_tail(self, token: str) -> list[str]:
        """Domain terms a compound starts or ends with (碳捕集利用与封存 → 碳捕集): the sub-words of a
        synonym worth expanding to; inner fragments of long names (聚对苯二甲酸乙二醇酯 → 甲酸) are not."""
        domain = self.tokenizer.domain_words
        return [s for s in self.subwords(token) if s in domain and (token.startswith(s) or token.endswith(s))]

    def expand_grams(self, grams: dict[str, float], expanded: dict[str, tuple[float, str | None]]) -> dict[str, float]:
        """Bigrams plus the bigrams of the synonyms in ``expanded`` (at the synonym's weight)."""
        out = dict(grams)
        for term, (weight, source) in sorted(expanded.items()):
            if source is not None and len(term) > 2:
                for gram in bigrams(term):
                    if out.get(gram, 0.0) < weight:
                        out[gram] = weight
        return out


# --- the process-wide analyser ------------------------------------------------------------------

_source_loader: Callable[[], Iterable[tuple[str, ...]]] | None = None
_source_version: Callable[[], object] | None = None
_default: Analyzer | None = None
_default_version: object = None
_checked_at = 0.0
_default_lock = threading.Lock()
VERSION_CHECK_SECONDS = 30.0


def register_synonym_source(
    loader: Callable[[], Iterable[tuple[str, ...]]], version: Callable[[], object] | None = None
):
    """Where ``default_analyzer()`` reads synonyms; ``version()`` (cheap) tells it when to reload."""
    global _source_loader, _source_version
    _source_loader, _source_version = loader, version
    reset_default_analyzer()


def reset_default_analyzer() -> None:
    global _default, _default_version, _checked_at
    with _default_lock:
        _default, _default_version, _checked_at = None, None, 0.0


def default_analyzer() -> Analyzer:
    """The process-wide analyser; rebuilt when the registered synonym source reports a new version."""
    global _default, _default_version, _checked_at
    with _default_lock:
        now = time.monotonic()
        if _default is not None and (_source_version is None or now - _checked_at < VERSION_CHECK_SECONDS):
            return _default
        version = None
        if _source_version is not None:
            try:
                version = _source_version()
            except Exception:  # the table may not exist yet (before migrate); keep what we have
                logger.debug("synonym version check failed", exc_info=True)
                version = _default_version
            _checked_at = now
        if _default is None or version != _default_version:
            if _source_loader is not None:
                try:
                    synonyms = list(_source_loader())
                except Exception:
                    logger.warning("synonym loader failed; using the starter list", exc_info=True)
                    synonyms = starter_synonyms()
            else:
                synonyms = starter_synonyms()
            _default, _default_version = Analyzer(synonyms), version
        return _default
