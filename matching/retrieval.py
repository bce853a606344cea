"""Retrieval and ranking in the database: candidates from the inverted index, scored, fed back, calibrated
(``matching.ranking``) — ``rank_for`` (one posting against the other side) and ``pair_score`` (one pair).

Lower layer of ``matching.services``; reads ``matching.indexing`` and ``matching.knowledge``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.conf import settings

from mengkeju.lib.textanalysis import default_analyzer

from . import index, knowledge, sparse_index
from .calibration import features as calibration_features
from .indexing import (
    GRAM_PREFIX,
    MAX_TERM_LENGTH,
    candidate_limit,
    max_df_share,
    need_candidate_limit,
    postings_index_ids,
    postings_per_term,
    retrieval_terms,
    side_from_features,
    top_k_default,
)
from .models import (
    IndexedPosting,
    Match,
    MatchStatus,
    PostingKind,
)
from .ranking import CALIBRATED, DEFAULT_OPTIONS, Options, association_terms, rank_need
from .scoring import ALGORITHM_VERSION, Query, Scored, Scorer, Side, Stats
from .side_cache import load_sides

# --- retrieval and scoring -----------------------------------------------------------------------


SideStats = index.SideStats


def side_stats(kind: str) -> SideStats:
    return knowledge.once(("side_stats", kind), lambda: index.side_stats(kind))


def document_frequencies(kind: str, terms: Iterable[str]) -> dict[str, int]:
    memory = sparse_index.current(kind)  # a full run's worker: the run's statistics, read once
    if memory is not None:
        return memory.document_frequencies(t for t in terms if len(t) <= MAX_TERM_LENGTH)
    return index.document_frequencies(kind, terms, max_length=MAX_TERM_LENGTH)


def _stats_for(base: SideStats, df: dict[str, int]) -> Stats:
    gram_df = {k[len(GRAM_PREFIX) :]: v for k, v in df.items() if k.startswith(GRAM_PREFIX)}
    return Stats(base.n, df, gram_df, base.avg_length, base.avg_gram_length)


def _df_of(kind: str, expanded: dict, grams: dict) -> dict[str, int]:
    return document_frequencies(kind, list(expanded) + [GRAM_PREFIX + g for g in grams])


def _candidates(kind: str, weights: dict[str, float], limit: int) -> list[int]:
    """The best postings of ``kind`` for the query's heaviest terms (``MATCHING_RETRIEVAL_TERMS``), each
    term contributing its ``MATCHING_POSTINGS_PER_TERM`` heaviest postings."""
    best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[: retrieval_terms()]
    lists = sparse_index.current(kind)
    if lists is not None and lists.per_term == postings_per_term():
        return lists.top_postings(dict(best), limit=limit)
    return index.top_postings(kind, dict(best), per_term=postings_per_term(), limit=limit)


def _retrieval_weights(expanded: dict, grams: dict, base: SideStats, df: dict[str, int]) -> dict[str, float]:
    """Query terms worth looking up: weight × idf, leaving out terms found in most postings."""
    cap = max(50, int(base.n * max_df_share()))
    weights = {}
    n = max(base.n, 1)
    for term, (w, _source) in expanded.items():
        d = df.get(term, 0)
        if 0 < d <= cap:
            weights[term] = w * math.log(1 + (n - d + 0.5) / (d + 0.5))
    for gram, w in grams.items():
        d = df.get(GRAM_PREFIX + gram, 0)
        if 0 < d <= cap:
            weights[GRAM_PREFIX + gram] = 0.3 * w * math.log(1 + (n - d + 0.5) / (d + 0.5))
    return weights


def _load_sides(kind: str, ids: Iterable[int]) -> dict[int, Side]:
    rows = IndexedPosting.objects.filter(kind=kind, posting_id__in=list(ids)).values_list("posting_id", "features")
    return {pid: side_from_features(pid, features) for pid, features in rows}


def _query(scorer: Scorer, side: Side, analyzer) -> Query:
    expanded = analyzer.expand(side.terms)
    side.grams = analyzer.expand_grams(side.grams, expanded)
    return scorer.query(side, expanded)


def related_clusters() -> set[tuple[str, str]]:
    return knowledge.once("related_clusters", _related_clusters)


def _related_clusters() -> set[tuple[str, str]]:
    from mengkeju.core.models import IndustryCluster

    through = IndustryCluster.related.through
    names = dict(IndustryCluster.objects.values_list("pk", "name_zh"))
    return {
        (names[a], names[b])
        for a, b in through.objects.values_list("from_industrycluster_id", "to_industrycluster_id")
        if a in names and b in names
    }


def _scorer(stats: Stats) -> Scorer:
    return Scorer(stats=stats, related=related_clusters(), generic=knowledge.generic_words())


def _best_known(need_ids: list[int]) -> dict[int, tuple[float, int]]:
    """For needs: (best score before calibration, proposals) of their current matcher proposals — the
    context of a pair scored outside its need's own ranking (a new achievement, a person-made match)."""
    best: dict[int, tuple[float, int]] = {}
    rows = Match.objects.filter(
        need_id__in=need_ids, status__in=(MatchStatus.PROPOSED, MatchStatus.APPROVED)
    ).values_list("need_id", "components")
    for need_id, components in rows:
        s = float((components or {}).get("match_score") or 0.0)
        old = best.get(need_id, (0.0, 0))
        best[need_id] = (max(old[0], s), old[1] + 1)
    return best


def _calibrate_alone(scored: Scored, best: tuple[float, int], cal) -> Scored:
    """Probability of a pair scored alone, relative to the need's best known partner."""
    c = scored.components
    top = max(best[0], scored.score) or 1.0
    rank = 1 if scored.score >= best[0] else best[1] + 1
    c["score"] = scored.score
    p = cal.probability(calibration_features(c, relative=scored.score / top, rank=rank))
    del c["score"]
    c.update(
        match_score=scored.score,
        relative=round(scored.score / top, 6),
        rank=rank,
        probability=round(p, 6),
        calibration=cal.version,
    )
    # the probability as stored and shown (rounded), as rank_need compares it
    c["proposed"] = bool(c["probability"] > cal.threshold and c.get("evidence", 0) >= 1)
    return scored


def rank_for(
    *,
    kind: str,
    posting_id: int,
    top_k: int | None = None,
    threshold: float | None = None,
    options: Options = DEFAULT_OPTIONS,
    everything: bool = False,
):
    """The postings of the other side worth proposing for an indexed posting:
    [(need_id, achievement_id, Scored)], best first; ``Scored.score`` is the calibrated probability that
    a broker approves (``components["match_score"]`` the score before calibration). Only pairs with
    ``components["proposed"]`` (specific evidence and probability above the threshold, at most ``top_k``)
    are returned, or, with ``everything=True``, the whole calibrated ranking (evaluation). ``threshold``
    (a probability; else ``settings.MATCHING_THRESHOLD`` when set) overrides the calibration's."""
    analyzer = default_analyzer()
    top_k = top_k or top_k_default()
    cal = knowledge.calibrator()
    if threshold is None:
        threshold = getattr(settings, "MATCHING_THRESHOLD", None)  # an operator's override, else the model's
    if threshold is not None:
        from dataclasses import replace

        cal = replace(cal, threshold=threshold)
    own_features = (
        IndexedPosting.objects.filter(kind=kind, posting_id=posting_id).values_list("features", flat=True).first()
    )
    if own_features is None:
        return []
    own = side_from_features(posting_id, own_features)  # read once: the side and (need) its text
    layer = knowledge.concept_layer(analyzer)
    associations = knowledge.associations()  # None unless settings.MATCHING_ASSOCIATIONS and a model is active
    if associations:
        from dataclasses import replace

        options = replace(options, associations=True)
    ach_stats = side_stats(PostingKind.ACHIEVEMENT)
    if kind == PostingKind.NEED:
        expanded = analyzer.expand(own.terms)
        grams = own.grams = analyzer.expand_grams(own.grams, expanded)
        text = own_features.get("text", "")
        links = layer.expansion(text=text, cluster=own.cluster) if options.links else {}
        link_terms = {t: (w, None) for t, (w, _info) in links.items() if t not in expanded}
        assoc = None
        if options.associations:  # corpus associations: their document frequencies, and retrieval for them
            assoc = association_terms(_scorer(_stats_for(ach_stats, {})), own, expanded, links, associations) or {}
            link_terms.update({t: (w, None) for t, (w, _info) in assoc.items() if t not in expanded})
        df = _df_of(PostingKind.ACHIEVEMENT, {**expanded, **link_terms}, grams)
        weights = _retrieval_weights({**expanded, **link_terms}, grams, ach_stats, df)
        candidates = load_sides(
            PostingKind.ACHIEVEMENT, _candidates(PostingKind.ACHIEVEMENT, weights, candidate_limit())
        )
        scorer = _scorer(_stats_for(ach_stats, df))

        def more(feedback: dict[str, float]) -> list[Side]:
            fw = _retrieval_weights({t: (w, None) for t, w in feedback.items()}, {}, ach_stats, scorer.stats.df)
            ids = [i for i in _candidates(PostingKind.ACHIEVEMENT, fw, CALIBRATED) if i not in candidates]
            return list(load_sides(PostingKind.ACHIEVEMENT, ids).values())

        ranked, _q = rank_need(
            scorer,
            own,
            expanded,
            [candidates[k] for k in sorted(candidates)],
            calibrator=cal,
            links=links,
            associations=associations,
            associated=assoc,
            options=options,
            more=more,
            df_lookup=lambda words: document_frequencies(PostingKind.ACHIEVEMENT, words),
            top_k=top_k,
        )
        for s in ranked:
            s.score = s.components["probability"]
        return [(posting_id, s.key, s) for s in ranked if everything or s.components["proposed"]]
    # an achievement: find needs that share its words, then score each need (as the query) against it
    need_stats = side_stats(PostingKind.NEED)
    expanded = analyzer.expand(own.terms)
    grams = analyzer.expand_grams(own.grams, expanded)
    weights = _retrieval_weights(expanded, grams, need_stats, _df_of(PostingKind.NEED, expanded, grams))
    need_ids = _candidates(PostingKind.NEED, weights, need_candidate_limit())
    rows = IndexedPosting.objects.filter(kind=PostingKind.NEED, posting_id__in=need_ids).values_list(
        "posting_id", "features"
    )
    queries = {}
    # knows the generic words: which need words may bring associations
    pre = _scorer(_stats_for(ach_stats, {})) if options.associations else None
    for need_id, features in sorted(rows):
        side = side_from_features(need_id, features)
        exp = analyzer.expand(side.terms)
        side.grams = analyzer.expand_grams(side.grams, exp)
        links = layer.expansion(text=features.get("text", ""), cluster=side.cluster) if options.links else {}
        assoc = association_terms(pre, side, exp, links, associations) if options.associations else None
        queries[need_id] = (side, exp, links, assoc or {})
    # one look-up of the achievement-side document frequencies for all candidate needs
    terms = {t for _side, exp, links, assoc in queries.values() for t in [*exp, *links, *assoc]}
    terms |= {GRAM_PREFIX + g for side, *_rest in queries.values() for g in side.grams}
    scorer = _scorer(_stats_for(ach_stats, document_frequencies(PostingKind.ACHIEVEMENT, terms)))
    best = _best_known(list(queries))
    results = []
    for need_id, (side, exp, links, assoc) in queries.items():
        s = scorer.score(scorer.query(side, exp, links=links, associations=assoc), own)
        if s.score <= 0:
            continue
        _calibrate_alone(s, best.get(need_id, (0.0, 0)), cal)
        s.score = s.components["probability"]
        if everything or s.components["proposed"]:
            results.append((need_id, posting_id, s))
    results.sort(key=lambda r: (-r[2].score, r[0]))
    return results[:top_k]


def pair_score(*, need_id: int, achievement_id: int) -> Scored | None:
    """The matcher's calibrated score and explanation for one pair that people proposed themselves
    (expressed interest, a chosen challenge entry), computed as for a new achievement in ``rank_for``;
    None when either side is not in the index (not published)."""
    analyzer = default_analyzer()
    sides = []
    for kind, posting_id in ((PostingKind.NEED, need_id), (PostingKind.ACHIEVEMENT, achievement_id)):
        side = _load_sides(kind, [posting_id]).get(posting_id)
        if side is None and postings_index_ids(kind=kind, ids=[posting_id]):  # published, not indexed yet
            side = _load_sides(kind, [posting_id]).get(posting_id)
        if side is None:
            return None
        sides.append(side)
    need, achievement = sides
    expanded = analyzer.expand(need.terms)
    need.grams = analyzer.expand_grams(need.grams, expanded)
    text = (
        IndexedPosting.objects.filter(kind=PostingKind.NEED, posting_id=need_id)
        .values_list("features", flat=True)
        .first()
        or {}
    ).get("text", "")
    links = knowledge.concept_layer(analyzer).expansion(text=text, cluster=need.cluster)
    stats = side_stats(PostingKind.ACHIEVEMENT)
    associations = knowledge.associations()
    assoc = (
        (association_terms(_scorer(_stats_for(stats, {})), need, expanded, links, associations) or {})
        if associations
        else {}
    )
    terms = {**expanded, **links, **assoc}
    scorer = _scorer(_stats_for(stats, _df_of(PostingKind.ACHIEVEMENT, terms, need.grams)))
    scored = scorer.score(scorer.query(need, expanded, links=links, associations=assoc), achievement)
    _calibrate_alone(scored, _best_known([need_id]).get(need_id, (0.0, 0)), knowledge.calibrator())
    scored.score = scored.components["probability"]
    return scored


def match_fill_score(*, match: Match) -> Match:
    """Give a person-made match the matcher's score and explanation (set on ``match``, not saved)."""
    scored = pair_score(need_id=match.need_id, achievement_id=match.achievement_id)
    if scored is not None:
        match.score, match.components, match.explanation = scored.score, scored.components, scored.explanation
        match.algorithm_version = ALGORITHM_VERSION
    return match
