"""The analyser: segmentation plus synonyms, and the matcher's features built from them.

* ``Analyzer.weighted_terms(keywords=, title=, description=)`` — the matcher's bag of words with field
  weights (keywords > title > description), sub-words at a reduced weight.
* ``Analyzer.weighted_grams(...)`` — character bigrams of the Chinese words, the matcher's second signal
  for different wordings of one term (``风机叶片`` / ``风电叶片``, ``布鲁氏菌`` / ``布鲁氏杆菌``).
* ``Analyzer.expand(terms)`` — adds synonyms at a reduced weight, remembering which term they came from.
* ``Analyzer.search_tokens(text)`` — what library search indexes (see ``search_terms``).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import search_terms
from .dictionary import synonym_groups
from .normalize import normalize
from .tokenize import Segmenter, bigrams

__all__ = ["FIELD_WEIGHTS", "SINGLE_CHAR_FACTOR", "SUBWORD_FACTOR", "SYNONYM_FACTOR", "Analyzer"]

# Field weights of the matcher's bag of words: user keywords > title > description.
FIELD_WEIGHTS = {"keywords": 3.0, "title": 2.0, "description": 1.0}
# A sub-word (乳房 inside 乳房炎) counts this much of its compound's weight.
SUBWORD_FACTOR = 0.3
# A single Chinese character word (羊, 酶) counts this much: it is often a fragment, not a term.
SINGLE_CHAR_FACTOR = 0.5
# A synonym counts this much of the term it was expanded from.
SYNONYM_FACTOR = 0.85


class Analyzer(Segmenter):
    """Segmentation, normalisation and synonyms. Deterministic for a given synonym list."""

    def __init__(self, synonyms: Iterable[tuple[str, ...]] = ()):
        self.synonyms: dict[str, tuple[str, ...]] = synonym_groups(synonyms)
        super().__init__(keep_whole=self.synonyms)

    def term_problem(self, term: str) -> tuple[str, list[str]] | None:
        """Why the matcher can never see ``term`` as one word, or None when it can:
        ``("empty", [])`` (no letter, digit or Chinese character survives), ``("stopword", [])``,
        ``("number", [])`` (bare numbers are not matched), or ``("split", words)`` (read as several
        words, e.g. ``heat pump`` or ``光伏 组件``; library search still applies the pair).
        Checked with ``term`` kept whole by the segmenter, as it is once the pair is saved."""
        norm = normalize(term).strip()
        words = [w for w in self._words(norm) if w]
        if not words:
            return ("empty", [])
        if len(words) > 1 or words[0] != norm:  # ℃ is read as c: the pair's °c never occurs
            return ("split", words)
        if words[0] in self.stopwords:
            return ("stopword", [])
        if not self._keep(words[0]):
            return ("number", [])
        return None

    def search_tokens(self, text: str) -> list[str]:
        """``tokens()`` plus the sub-words of each token (jieba cut_for_search style), for indexing.
        Every token of ``tokens(text)`` is also in ``search_tokens(text)``."""
        return search_terms.search_tokens(self, text)

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
