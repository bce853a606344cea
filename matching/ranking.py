"""One need against its candidate achievements: score, feedback, evidence, probability, proposals — pure
Python, shared by the services (database) and the in-memory evaluation.

1. The need's query: its words and synonyms, plus the technology words of the concept-layer relations
   its text mentions (``links``).
2. First ranking of the candidates by score (``matching.scoring``).
3. Pseudo-relevance feedback: words of the best ``feedback_docs`` achievements are added to the query
   and the candidates (with any more that ``more`` retrieves for those words) are scored again.
4. The best ``CALIBRATED`` by score get the calibrator's features and probability
   (``matching.calibration``); they are ordered by probability.
5. Proposed: evidence ≥ 1 (a specific shared concept) and probability above the calibrator's threshold, at
   most ``top_k``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .calibration import Calibrator, features
from .scoring import Query, Scored, Scorer, Side

CALIBRATED = 30


@dataclass(frozen=True)
class Options:
    links: bool = True  # concept layer
    feedback: bool = True  # pseudo-relevance feedback
    # term associations learned from the corpus (matching.associations): measured, off — see docs/matching.md
    associations: bool = False
    association_evidence: bool = True  # a shared associated word counts as evidence
    require_evidence: bool = True  # no proposal without a specific shared concept


DEFAULT_OPTIONS = Options()


def association_terms(scorer: Scorer, side: Side, expanded: dict, links: dict | None, associations) -> dict | None:
    """The words associated in the corpus (``associations``: ``matching.associations.Associations`` or None)
    with the need's own specific words — whole words of the need, not synonyms, not generic — that the query
    does not have yet: word → (weight, {"source", "similarity"}) for ``Scorer.query(associations=...)``."""
    if not associations:
        return None
    own = {t: w for t, (w, source) in expanded.items() if source is None and t in side.words}
    own = {t: w for t, w in own.items() if scorer.is_evidence_word(t)}
    return associations.expansion(own, skip=[*expanded, *(links or {})])


def _order(scored: list[tuple[float, Side]]) -> list[tuple[float, Side]]:
    return sorted(scored, key=lambda item: (-item[0], str(item[1].key)))


def rank_need(
    scorer: Scorer,
    side: Side,
    expanded: dict,
    docs: list[Side],
    *,
    calibrator: Calibrator,
    links: dict | None = None,
    associations=None,
    associated: dict | None = None,
    options: Options = DEFAULT_OPTIONS,
    more: Callable[[dict[str, float]], list[Side]] | None = None,
    df_lookup: Callable[[set[str]], dict[str, int]] | None = None,
    top_k: int = 10,
) -> tuple[list[Scored], Query]:
    """The need's candidates best first (at most ``CALIBRATED``), each ``Scored`` with
    ``components["probability"]``, ``components["match_score"]`` (the score before calibration) and
    ``components["proposed"]`` (at most ``top_k`` are). Returns (ranked, final query).

    ``associations``: a ``matching.associations.Associations`` (corpus term associations) or None;
    ``associated``: the need's association terms when the caller has worked them out already
    (``association_terms``, e.g. to retrieve candidates for them), so they are not worked out twice.
    ``more(feedback words → weights)`` may bring more candidates for the feedback words (the database's
    retrieval); ``df_lookup(words)`` gives document frequencies the scorer's statistics lack."""
    links = links if options.links else None
    assoc = associated
    if assoc is None and options.associations:
        assoc = association_terms(scorer, side, expanded, links, associations)
    q = scorer.query(side, expanded, links=links, associations=assoc)
    first = _order([(s, d) for d in docs if (s := scorer.score_only(q, d)) > 0])
    if options.feedback and first:
        top = [d for _s, d in first[: scorer.w.feedback_docs]]
        if df_lookup is not None:  # document frequencies of the words the feedback may pick
            unknown = {w for d in top for w in d.words if w not in scorer.stats.df}
            scorer.stats.df.update(df_lookup(unknown))
        fb = scorer.feedback(q, top)
        if fb:
            q = scorer.query(side, expanded, links=links, associations=assoc, feedback=fb)
            pool = {d.key: d for d in docs}
            if more is not None:
                for d in more(fb):
                    pool.setdefault(d.key, d)
            first = _order([(s, d) for d in pool.values() if (s := scorer.score_only(q, d)) > 0])
    head = first[:CALIBRATED]
    if not head:
        return [], q
    best = head[0][0] or 1.0
    ranked = []
    for rank, (_s, doc) in enumerate(head, start=1):
        scored = scorer.score(q, doc)
        c = scored.components
        c["score"] = scored.score
        p = calibrator.probability(features(c, relative=scored.score / best, rank=rank))
        c["match_score"] = scored.score
        c["relative"] = round(scored.score / best, 6)
        c["rank"] = rank
        c["probability"] = round(p, 6)
        c["calibration"] = calibrator.version
        del c["score"]
        ranked.append(scored)
    ranked.sort(key=lambda s: (-s.components["probability"], -s.score, str(s.key)))
    proposed = 0
    for scored in ranked:
        c = scored.components
        ok = c["probability"] > calibrator.threshold and (c["evidence"] >= 1 or not options.require_evidence)
        c["proposed"] = bool(ok and proposed < top_k)
        proposed += c["proposed"]
    return ranked, q
