"""How a need and an achievement are scored — pure Python, no Django, so it can be tested and tuned alone.

score(need, achievement) = lexical × cluster × compatibility, clipped to [0, 1]:

* **lexical** ∈ [0, 1]: BM25 of the need's weighted terms (keywords > title > description, sub-words and
  synonyms at reduced weight) over the achievement's weighted terms, divided by the score the need would
  get against a perfect achievement; blended with the same BM25 over character bigrams of the words,
  which catches different wordings of one term (风机叶片 / 风电叶片). Document frequencies come from the
  achievement side (the "documents"), so one pair has one score whichever side was just published.
* **cluster**: same cluster 1.0 > related clusters > other clusters — a factor, never a filter.
* **compatibility**: small adjustments for cooperation modes in common, asking price within budget and
  maturity (a need with a budget prefers pilot-scale or industrial achievements).

Every number that went into a score is kept in ``Scored.components`` and every contributing term in
``Scored.explanation`` (exactly those with a non-zero contribution).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .generic import is_function_word

ALGORITHM_VERSION = "bm25f-grams-evidence-2"

# where a query word comes from
WORD, SYNONYM, LINK, ASSOCIATION, FEEDBACK = "word", "synonym", "link", "association", "feedback"
# what a link or association term's explanation keeps of its relation (not the words it is checked by)
EXPLAINED_LINK_KEYS = frozenset({"problem", "technology", "source", "similarity"})


@dataclass(frozen=True)
class Weights:
    k1: float = 1.2
    b: float = 0.75
    gram_share: float = 0.2  # share of the bigram BM25 in the lexical score
    coverage_share: float = 0.3  # share of the lexical score that depends on covering the need's keywords
    coverage_gram_credit: float = 0.5  # credit for a keyword found only through its bigrams
    lexical_power: float = 0.5  # lexical score → [0, 1] curve (square root spreads the small scores)
    cluster_same: float = 1.0
    cluster_related: float = 0.9
    cluster_other: float = 0.8
    mode_overlap: float = 0.03
    mode_disjoint: float = -0.03
    price_within_budget: float = 0.02
    price_over_budget: float = -0.04  # asking price above twice the top of the budget
    maturity: dict = field(default_factory=lambda: {"实验室": -0.02, "小试": 0.0, "中试": 0.01, "产业化": 0.02})
    min_term_idf: float = 0.0
    query_power: float = 0.7  # query term weight → weight ** power (< 1 dampens words repeated in the need)
    link_factor: float = 1.0  # weight of words brought in by the concept layer (× their LINK_WEIGHT)
    feedback_terms: int = 12  # pseudo-relevance feedback: words taken from the best achievements
    feedback_docs: int = 3  # … from this many of the first ranking's best
    feedback_weight: float = 0.6  # weight of the heaviest feedback word (a title word weighs 2)


DEFAULT_WEIGHTS = Weights()


@dataclass
class Side:
    """What the scorer needs to know about one posting."""

    key: object
    cluster: str | None
    terms: dict[str, float]
    grams: dict[str, float]
    modes: frozenset[str] = frozenset()
    budget_min: float | None = None
    budget_max: float | None = None
    price: float | None = None
    maturity: str | None = None
    concepts: list[dict[str, float]] = field(default_factory=list)
    # bigrams of keywords and title only: what the index stores, and what bigram document frequencies count
    head_grams: frozenset[str] = frozenset()
    # the whole words of the posting (no sub-words): only these can be evidence of a shared concept
    words: frozenset[str] = frozenset()

    @property
    def length(self) -> float:
        return sum(self.terms.values())

    @property
    def gram_length(self) -> float:
        return sum(self.grams.values())


@dataclass
class Stats:
    """Document statistics of the achievement side (the BM25 "documents")."""

    n: int
    df: dict[str, int]
    gram_df: dict[str, int]
    avg_length: float
    avg_gram_length: float

    @classmethod
    def from_sides(cls, sides) -> Stats:
        df: dict[str, int] = {}
        gram_df: dict[str, int] = {}
        total = total_g = 0.0
        n = 0
        for side in sides:
            n += 1
            total += side.length
            total_g += side.gram_length
            for t in side.terms:
                df[t] = df.get(t, 0) + 1
            for g in side.head_grams:
                gram_df[g] = gram_df.get(g, 0) + 1
        return cls(n, df, gram_df, total / n if n else 1.0, total_g / n if n else 1.0)

    def idf(self, df: int) -> float:
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))


@dataclass
class Query:
    """A need prepared for scoring: expanded terms with their BM25 weights, and the normalisers."""

    side: Side
    terms: dict[str, tuple[float, float, str | None]]  # term → (query weight, idf, synonym source)
    grams: dict[str, tuple[float, float]]  # gram → (query weight, idf)
    term_max: float
    gram_max: float
    concepts: list[tuple[float, list[tuple[str, float, list[str]]]]]  # (weight, [(term, factor, bigrams)])
    origin: dict[str, str] = field(default_factory=dict)  # term → WORD / SYNONYM / LINK / FEEDBACK
    # LINK term → {"problem", "technology"}; ASSOCIATION term → {"source", "similarity"}
    links: dict[str, dict] = field(default_factory=dict)


@dataclass
class Scored:
    key: object
    score: float
    components: dict
    explanation: dict


def _bigrams(token: str) -> list[str]:
    han = [ch for ch in token if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"]
    return ["".join(han[i : i + 2]) for i in range(len(han) - 1)]


def related_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class Scorer:
    def __init__(
        self,
        *,
        stats: Stats,
        related: set[tuple[str, str]] = frozenset(),
        weights: Weights = DEFAULT_WEIGHTS,
        generic: frozenset[str] | set[str] = frozenset(),
    ):
        self.stats = stats
        self.related = {related_key(a, b) for a, b in related}
        self.w = weights
        self.generic = frozenset(generic)

        self._generic_cache: dict[str, bool] = {}
        # kinds of query word that never count as evidence of a shared concept
        self.non_evidence = frozenset({FEEDBACK})

    def is_generic(self, term: str) -> bool:
        """Generic, a word of grammar only (低于, 不到: ``matching.generic.is_function_word``), or a compound
        of generic words only (智能控制 = 智能 + 控制)."""
        if term in self.generic:
            return True
        hit = self._generic_cache.get(term)
        if hit is None:
            hit = is_function_word(term) or any(
                term[:i] in self.generic and (term[i:] in self.generic or self.is_generic(term[i:]))
                for i in range(2, len(term) - 1)
            )
            self._generic_cache[term] = hit
        return hit

    def names_technology(self, info: dict, doc: Side) -> bool:
        """Does the achievement ``doc`` name the technology of a concept-layer relation (``info`` from
        ``ConceptLayer.expansion``)? It must hold every token of the term, one-character ones too: 抗 and 冻融
        of 抗冻融 — 反复冻融 in a DNA extraction is not the frost resistance a road-surface relation means.
        (Requiring the relation's industry cluster as well was measured and not kept: on dev-v2 it lost
        three graded pairs whose achievements are filed under another cluster than the relation.)"""
        return all(p in doc.words for p in info.get("parts") or info.get("words") or ())

    def is_evidence_word(self, term: str) -> bool:
        """A word that can show a shared concept: not generic, not a one-character fragment."""
        return len(term) >= 2 and not self.is_generic(term)

    # -- preparing the need

    def query(
        self,
        side: Side,
        expanded: dict[str, tuple[float, str | None]],
        *,
        links: dict[str, tuple[float, dict]] | None = None,
        associations: dict[str, tuple[float, dict]] | None = None,
        feedback: dict[str, float] | None = None,
    ) -> Query:
        """The need as a query: its words and synonyms (``expanded``), plus words of the concept layer
        (``links``: word → (weight, relation)), words associated with the need's words in the corpus
        (``associations``: word → (weight, {"source", "similarity"}), ``matching.associations``) and of
        pseudo-relevance feedback (``feedback``: word →
        weight) where the need does not have them already. Only the need's own words set the normaliser
        (a perfect achievement), so the extra words can only add to a score."""
        st = self.stats
        terms = {}
        origin = {}
        link_info = {}
        term_max = 0.0
        for term, (qw, source) in sorted(expanded.items()):
            qw = qw**self.w.query_power
            df = st.df.get(term, 0)
            idf = st.idf(df)
            if idf <= self.w.min_term_idf:
                continue
            terms[term] = (qw, idf, source)
            origin[term] = WORD if source is None else SYNONYM
            if source is None:
                term_max += qw * idf * (self.w.k1 + 1)
        for term, (qw, info) in sorted((links or {}).items()):
            if term in terms and origin[term] == WORD:
                continue
            qw = (qw * self.w.link_factor) ** self.w.query_power
            if qw <= 0:
                continue
            terms[term] = (qw, st.idf(st.df.get(term, 0)), None)
            origin[term] = LINK
            link_info[term] = info
        for term, (qw, info) in sorted((associations or {}).items()):
            if term in terms or qw <= 0:
                continue
            terms[term] = (qw**self.w.query_power, st.idf(st.df.get(term, 0)), None)
            origin[term] = ASSOCIATION
            link_info[term] = info
        for term, qw in sorted((feedback or {}).items()):
            if term in terms or qw <= 0:
                continue
            terms[term] = (qw**self.w.query_power, st.idf(st.df.get(term, 0)), None)
            origin[term] = FEEDBACK
        grams = {}
        gram_max = 0.0
        for gram, qw in sorted(side.grams.items()):
            qw = qw**self.w.query_power
            idf = st.idf(st.gram_df.get(gram, 0))
            grams[gram] = (qw, idf)
            gram_max += qw * idf * (self.w.k1 + 1)
        concepts = []
        for concept in side.concepts:
            best = [t for t, f in concept.items() if f >= 1.0] or list(concept)
            weight = max(st.idf(st.df.get(t, 0)) for t in best)
            variants = [(t, f, _bigrams(t)) for t, f in sorted(concept.items())]
            concepts.append((weight, variants))
        return Query(side, terms, grams, term_max or 1.0, gram_max or 1.0, concepts, origin, link_info)

    def feedback(self, q: Query, docs: list[Side]) -> dict[str, float]:
        """Pseudo-relevance feedback (Rocchio/RM3 style, from the first ranking's best achievements):
        the ``feedback_terms`` words with the highest tf × idf summed over ``docs`` (whole, specific words
        the query does not have), weighted so the heaviest gets ``feedback_weight``. Source of the method:
        Lavrenko & Croft, relevance models (SIGIR 2001); Rocchio (1971)."""
        if not docs or self.w.feedback_terms <= 0:
            return {}
        st = self.stats
        scores: dict[str, float] = {}
        for doc in docs:
            length = doc.length or 1.0
            for word in doc.words:
                if word in q.terms or not self.is_evidence_word(word):
                    continue
                tf = doc.terms.get(word, 0.0)
                df = st.df.get(word, 0)
                if tf <= 0 or df < 2:  # a word of one posting only says nothing about others
                    continue
                scores[word] = scores.get(word, 0.0) + tf / length * st.idf(df)
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[: self.w.feedback_terms]
        if not best:
            return {}
        top = best[0][1]
        return {word: self.w.feedback_weight * value / top for word, value in best}

    def coverage(self, q: Query, doc: Side) -> float:
        """Share of the need's keywords (idf-weighted) that the achievement mentions in some form: a word,
        sub-word or synonym of the keyword (at its factor), or else a part of their character bigrams."""
        if not q.concepts:
            return 1.0
        credit = self.w.coverage_gram_credit
        total = got = 0.0
        for weight, variants in q.concepts:
            strength = 0.0
            for term, factor, grams in variants:
                if term in doc.terms:
                    found = 1.0
                elif grams:
                    found = credit * sum(1 for g in grams if g in doc.grams) / len(grams)
                else:
                    found = 0.0
                strength = max(strength, factor * found)
            total += weight
            got += weight * strength
        return got / total if total else 1.0

    # -- the parts of a score

    def _bm25(self, tf: float, length: float, avg: float) -> float:
        k1, b = self.w.k1, self.w.b
        return tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg))

    def lexical(
        self, q: Query, doc: Side, *, explain: bool = True
    ) -> tuple[float, float, float, list[dict], list[dict]]:
        """The lexical part; with ``explain=False`` the same numbers without the per-term lists (ranking
        many candidates only needs the score; the explanation is made for the ones kept)."""
        st = self.stats
        length = doc.length
        term_sum = 0.0
        terms = []
        # only the words both share, in the query's (sorted) order: the same sums as a loop over every
        # query word, in a fraction of the time (queries expand to hundreds of words and bigrams)
        doc_terms = doc.terms
        need_words, doc_words, origin = q.side.words, doc.words, q.origin
        evidence = []
        for term in sorted(q.terms.keys() & doc_terms.keys()):
            qw, idf, source = q.terms[term]
            tf = doc_terms[term]
            if not tf:
                continue
            c = qw * idf * self._bm25(tf, length, st.avg_length)
            term_sum += c
            kind = origin.get(term, WORD)
            if (
                kind not in self.non_evidence
                and term in doc_words
                and (kind != WORD or term in need_words)
                and self.is_evidence_word(term)
                # a concept-layer word is evidence when the achievement names the whole technology term
                and (kind != LINK or self.names_technology(q.links.get(term) or {}, doc))
            ):
                evidence.append((term, kind, idf))
            if explain:
                item = {"term": term, "via": source, "contribution": c, "kind": kind}
                if kind in (LINK, ASSOCIATION):
                    item.update((k, v) for k, v in (q.links.get(term) or {}).items() if k in EXPLAINED_LINK_KEYS)
                terms.append(item)
        gram_sum = 0.0
        grams = []
        glength = doc.gram_length
        doc_grams = doc.grams
        for gram in sorted(q.grams.keys() & doc_grams.keys()):
            qw, idf = q.grams[gram]
            tf = doc_grams[gram]
            if not tf:
                continue
            c = qw * idf * self._bm25(tf, glength, st.avg_gram_length)
            gram_sum += c
            if explain:
                grams.append({"gram": gram, "contribution": c})
        term_norm = min(1.0, term_sum / q.term_max)
        gram_norm = min(1.0, gram_sum / q.gram_max)
        share = self.w.gram_share
        raw = (1 - share) * term_norm + share * gram_norm
        coverage = self.coverage(q, doc)
        raw *= 1 - self.w.coverage_share + self.w.coverage_share * coverage
        # contributions expressed as shares of the final lexical score
        for item in terms:
            item["contribution"] = (1 - share) * item["contribution"] / q.term_max
        for item in grams:
            item["contribution"] = share * item["contribution"] / q.gram_max
        cov = 1 - self.w.coverage_share + self.w.coverage_share * coverage
        for item in terms + grams:
            item["contribution"] *= cov
        return raw, term_norm, gram_norm, coverage, terms, grams, evidence

    def cluster_relation(self, a: str | None, b: str | None) -> tuple[str, float]:
        if a and b and a == b:
            return "same", self.w.cluster_same
        if a and b and related_key(a, b) in self.related:
            return "related", self.w.cluster_related
        return "other", self.w.cluster_other

    def compatibility(self, need: Side, ach: Side) -> list[dict]:
        w = self.w
        signals = []
        if need.modes and ach.modes:
            common = sorted(need.modes & ach.modes)
            signals.append(
                {
                    "signal": "cooperation_modes",
                    "common": common,
                    "adjustment": w.mode_overlap if common else w.mode_disjoint,
                }
            )
        if ach.price is not None and need.budget_max is not None:
            if ach.price <= need.budget_max:
                adj, verdict = w.price_within_budget, "within"
            elif ach.price > 2 * need.budget_max:
                adj, verdict = w.price_over_budget, "far_over"
            else:
                adj, verdict = 0.0, "over"
            signals.append(
                {
                    "signal": "budget",
                    "price": ach.price,
                    "budget_max": need.budget_max,
                    "verdict": verdict,
                    "adjustment": adj,
                }
            )
        if ach.maturity and ach.maturity in w.maturity:
            signals.append({"signal": "maturity", "maturity": ach.maturity, "adjustment": w.maturity[ach.maturity]})
        return signals

    # -- the score

    def score_only(self, q: Query, doc: Side) -> float:
        """``score(q, doc).score`` without building the explanation (same arithmetic, same number)."""
        raw = self.lexical(q, doc, explain=False)[0]
        return self._combine(q, doc, raw)[0]

    def score_and_evidence(self, q: Query, doc: Side) -> tuple[float, list]:
        """The score and the evidence [(word, kind, idf)] without the explanation."""
        lex = self.lexical(q, doc, explain=False)
        return self._combine(q, doc, lex[0])[0], lex[6]

    def _combine(self, q: Query, doc: Side, raw: float):
        lexical = raw**self.w.lexical_power if raw > 0 else 0.0
        relation, cluster_factor = self.cluster_relation(q.side.cluster, doc.cluster)
        signals = self.compatibility(q.side, doc)
        compat_factor = 1.0 + sum(s["adjustment"] for s in signals)
        score = max(0.0, min(1.0, lexical * cluster_factor * compat_factor))
        return round(score, 6), lexical, relation, cluster_factor, signals, compat_factor

    def score(self, q: Query, doc: Side) -> Scored:
        raw, term_norm, gram_norm, coverage, terms, grams, evidence = self.lexical(q, doc)
        score, lexical, relation, cluster_factor, signals, compat_factor = self._combine(q, doc, raw)
        terms.sort(key=lambda t: (-t["contribution"], t["term"]))
        grams.sort(key=lambda g: (-g["contribution"], g["gram"]))
        for item in terms:
            item["contribution"] = round(item["contribution"], 4)
        for item in grams:
            item["contribution"] = round(item["contribution"], 4)
        components = {
            "term_bm25": round(term_norm, 6),
            "gram_bm25": round(gram_norm, 6),
            "keyword_coverage": round(coverage, 6),
            "lexical": round(lexical, 6),
            "cluster_factor": cluster_factor,
            "compatibility_factor": round(compat_factor, 6),
            "evidence": len(evidence),
            "evidence_idf": round(sum(e[2] for e in evidence), 4),
            "link_evidence": sum(1 for e in evidence if e[1] == LINK),
            "association_evidence": sum(1 for e in evidence if e[1] == ASSOCIATION),
        }
        evident = {e[0] for e in evidence}
        for item in terms:
            item["evidence"] = item["term"] in evident
        explanation = {
            "shared_terms": [t for t in terms if t["kind"] == WORD],
            "synonym_terms": [t for t in terms if t["kind"] == SYNONYM],
            "link_terms": [t for t in terms if t["kind"] == LINK],
            "association_terms": [t for t in terms if t["kind"] == ASSOCIATION],
            "feedback_terms": [t for t in terms if t["kind"] == FEEDBACK],
            "shared_grams": grams,
            "cluster": {"need": q.side.cluster, "achievement": doc.cluster, "relation": relation},
            "compatibility": signals,
        }
        return Scored(doc.key, score, components, explanation)

    def rank(self, q: Query, docs, *, top_k: int = 10, threshold: float = 0.0) -> list[Scored]:
        """The best ``top_k`` documents above ``threshold``, explained; ties broken by key."""
        kept = [(score, d) for d in docs if (score := self.score_only(q, d)) > threshold]
        kept.sort(key=lambda item: (-item[0], str(item[1].key)))
        return [self.score(q, d) for _score, d in kept[:top_k]]


# --- the plain BM25 baseline (same tokens, no weights, no synonyms, no cluster) ------------------


def bm25_baseline_rank(query_tokens: list[str], docs: dict, *, k1: float = 1.2, b: float = 0.75, top_k: int = 10):
    """``docs``: key → token list. Returns [(key, score)] best first."""
    n = len(docs)
    df: dict[str, int] = {}
    tfs = {}
    total = 0
    for key, toks in docs.items():
        tf: dict[str, int] = {}
        for t in toks:
            tf[t] = tf.get(t, 0) + 1
        tfs[key] = (tf, len(toks))
        total += len(toks)
        for t in tf:
            df[t] = df.get(t, 0) + 1
    avg = total / n if n else 1.0
    qtf: dict[str, int] = {}
    for t in query_tokens:
        qtf[t] = qtf.get(t, 0) + 1
    scores = []
    for key, (tf, length) in tfs.items():
        s = 0.0
        for t, qn in qtf.items():
            f = tf.get(t)
            if f:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += qn * idf * f * (k1 + 1) / (f + k1 * (1 - b + b * length / avg))
        if s > 0:
            scores.append((key, s))
    scores.sort(key=lambda x: (-x[1], str(x[0])))
    return scores[:top_k]
