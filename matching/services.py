"""The matcher's writes: the retrieval index, proposals (Match rows) and runs.

Entry points for the posting workflow (called inside its transaction):

* ``posting_published(posting=...)`` — enqueue, on commit, the task that indexes the posting and matches
  it against the published postings of the other side.
* ``posting_withdrawn(posting=...)`` — the posting left "published" (closed, expired, edited back to
  review): drop it from the index and withdraw its open proposals, now.

A score always has the need as the query and the achievement as the document (``matching.scoring``),
so one pair gets the same score whichever side was published last.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from achievements.models import Achievement
from mengkeju.lib.hidden import strip_hidden
from mengkeju.lib.textanalysis import default_analyzer, normalize, reset_default_analyzer
from needs.models import TechnicalNeed

from . import index
from .models import (
    IndexedPosting,
    IndexTerm,
    Match,
    MatchSource,
    MatchStatus,
    PostingKind,
    Synonym,
)
from .scoring import ALGORITHM_VERSION, Query, Scored, Scorer, Side, Stats

logger = logging.getLogger(__name__)

MODELS = {PostingKind.NEED: TechnicalNeed, PostingKind.ACHIEVEMENT: Achievement}
OPPOSITE = {PostingKind.NEED: PostingKind.ACHIEVEMENT, PostingKind.ACHIEVEMENT: PostingKind.NEED}
GRAM_PREFIX = "§"
MATURITY_ZH = {"lab": "实验室", "bench": "小试", "pilot": "中试", "industrial": "产业化"}
MAX_TERM_LENGTH = 64


def top_k_default() -> int:
    return getattr(settings, "MATCHING_TOP_K", 10)


def threshold_default() -> float:
    return getattr(settings, "MATCHING_THRESHOLD", 0.12)


def candidate_limit() -> int:
    return getattr(settings, "MATCHING_CANDIDATES", 100)


def need_candidate_limit() -> int:
    return getattr(settings, "MATCHING_NEED_CANDIDATES", 100)


def retrieval_terms() -> int:
    return getattr(settings, "MATCHING_RETRIEVAL_TERMS", 32)


def postings_per_term() -> int:
    return getattr(settings, "MATCHING_POSTINGS_PER_TERM", 300)


def max_df_share() -> float:
    return getattr(settings, "MATCHING_MAX_DF_SHARE", 0.2)


def kind_of(posting) -> str:
    return PostingKind.NEED if isinstance(posting, TechnicalNeed) else PostingKind.ACHIEVEMENT


def analyzer_version(analyzer=None) -> str:
    """Changes when the synonyms or the scoring algorithm change; older index rows are then rebuilt."""
    analyzer = analyzer or default_analyzer()
    cached = getattr(analyzer, "_mengkeju_version", None)
    if cached:
        return cached
    digest = hashlib.sha1(ALGORITHM_VERSION.encode())
    for term, syns in sorted(analyzer.synonyms.items()):
        digest.update(f"{term}={'|'.join(syns)};".encode())
    analyzer._mengkeju_version = digest.hexdigest()[:16]
    return analyzer._mengkeju_version


# --- the workflow hooks -----------------------------------------------------------------------------


def posting_published(*, posting) -> None:
    """Called by the posting workflow when a posting becomes published (inside its transaction): the
    matching work is written to the outbox in that transaction and handed to a worker after the commit
    (``matching.outbox``), so a broker outage delays it and never fails the publication."""
    from . import outbox

    outbox.match_outbox_add(kind=kind_of(posting), posting_id=posting.pk)


def posting_withdrawn(*, posting) -> None:
    """Called by the posting workflow when a posting stops being published: unindex, withdraw proposals."""
    kind = kind_of(posting)
    with transaction.atomic():
        posting_unindex(kind=kind, posting_id=posting.pk)
        side = {"need_id": posting.pk} if kind == PostingKind.NEED else {"achievement_id": posting.pk}
        Match.objects.filter(**side, status=MatchStatus.PROPOSED, source=MatchSource.MATCHER).update(
            status=MatchStatus.WITHDRAWN, updated_at=timezone.now()
        )


# --- the index -----------------------------------------------------------------------------------


def posting_features(posting, *, analyzer=None) -> dict:
    """What the scorer reads about a posting; JSON-serialisable (stored in ``IndexedPosting.features``)."""
    analyzer = analyzer or default_analyzer()
    text = posting.matching_text()
    keywords = [k for k in text["keywords"] if isinstance(k, str)]
    features = {
        "terms": analyzer.weighted_terms(keywords=keywords, title=text["title"], description=text["description"]),
        "grams": analyzer.weighted_grams(keywords=keywords, title=text["title"], description=text["description"]),
        "head_grams": sorted(analyzer.weighted_grams(keywords=keywords, title=text["title"], description="")),
        "concepts": analyzer.concepts(keywords=keywords, title=text["title"]),
        "cluster": posting.cluster.name_zh if posting.cluster_id else None,
        "modes": sorted(mode.name_zh for mode in posting.cooperation_modes.all()),
    }
    if isinstance(posting, TechnicalNeed):
        features["budget_min"] = float(posting.budget_min_wan) if posting.budget_min_wan is not None else None
        features["budget_max"] = float(posting.budget_max_wan) if posting.budget_max_wan is not None else None
    else:
        features["price"] = float(posting.price_wan) if posting.price_wan is not None else None
        features["maturity"] = MATURITY_ZH.get(posting.maturity)
    return features


def side_from_features(key, features: dict) -> Side:
    return Side(
        key=key,
        cluster=features.get("cluster"),
        terms=features["terms"],
        grams=features["grams"],
        modes=frozenset(features.get("modes") or ()),
        budget_min=features.get("budget_min"),
        budget_max=features.get("budget_max"),
        price=features.get("price"),
        maturity=features.get("maturity"),
        concepts=features.get("concepts") or [],
        head_grams=frozenset(features.get("head_grams") or ()),
    )


def _index_rows(kind: str, posting_id: int, features: dict) -> list[tuple[str, str, int, float]]:
    """(kind, term, posting_id, weight) rows of ``IndexTerm`` for one posting."""
    rows = [
        (kind, term, posting_id, weight) for term, weight in features["terms"].items() if len(term) <= MAX_TERM_LENGTH
    ]
    rows += [
        (kind, GRAM_PREFIX + gram, posting_id, features["grams"].get(gram, 1.0)) for gram in features["head_grams"]
    ]
    return rows


def postings_index(*, kind: str, postings: Iterable, analyzer=None) -> int:
    """(Re)index published postings of one kind, in one transaction; returns how many."""
    analyzer = analyzer or default_analyzer()
    version = analyzer_version(analyzer)
    postings = list(postings)
    if not postings:
        return 0
    ids = [p.pk for p in postings]
    entries, terms = [], []
    for posting in postings:
        features = posting_features(posting, analyzer=analyzer)
        entries.append(
            IndexedPosting(
                kind=kind,
                posting_id=posting.pk,
                cluster=posting.cluster.code if posting.cluster_id else "",
                length=sum(features["terms"].values()),
                gram_length=sum(features["grams"].values()),
                features=features,
                analyzer_version=version,
            )
        )
        terms += _index_rows(kind, posting.pk, features)
    delta: Counter[str] = Counter(row[1] for row in terms)
    with transaction.atomic():
        # lock the postings' current index rows, so two re-indexings of one posting apply their
        # statistics one after the other
        old = list(
            IndexedPosting.objects.select_for_update()
            .filter(kind=kind, posting_id__in=ids)
            .values_list("length", "gram_length")
        )
        delta.subtract(IndexTerm.objects.filter(kind=kind, posting_id__in=ids).values_list("term", flat=True))
        IndexTerm.objects.filter(kind=kind, posting_id__in=ids).delete()
        IndexedPosting.objects.filter(kind=kind, posting_id__in=ids).delete()
        IndexedPosting.objects.bulk_create(entries, batch_size=500)
        index.insert_terms(terms)
        index.stats_add(
            kind,
            delta,
            postings=len(entries) - len(old),
            length=sum(e.length for e in entries) - sum(o[0] for o in old),
            gram_length=sum(e.gram_length for e in entries) - sum(o[1] for o in old),
        )
    return len(entries)


def postings_index_ids(*, kind: str, ids: Iterable[int], batch_size: int = 500) -> int:
    """(Re)index the published postings among ``ids`` in batches (imports); returns how many."""
    ids = sorted(ids)
    done = 0
    for start in range(0, len(ids), batch_size):
        done += postings_index(kind=kind, postings=published(kind).filter(pk__in=ids[start : start + batch_size]))
    return done


def posting_unindex(*, kind: str, posting_id: int) -> None:
    with transaction.atomic():
        old = list(
            IndexedPosting.objects.select_for_update()
            .filter(kind=kind, posting_id=posting_id)
            .values_list("length", "gram_length")
        )
        if not old:
            return
        terms = Counter(IndexTerm.objects.filter(kind=kind, posting_id=posting_id).values_list("term", flat=True))
        IndexTerm.objects.filter(kind=kind, posting_id=posting_id).delete()
        IndexedPosting.objects.filter(kind=kind, posting_id=posting_id).delete()
        index.stats_add(kind, {t: -n for t, n in terms.items()}, postings=-1, length=-old[0][0], gram_length=-old[0][1])


def published(kind: str):
    return (
        MODELS[kind]
        .objects.filter(status="published")
        .select_related("cluster")
        .prefetch_related("cooperation_modes")
        .order_by("pk")
    )


def index_refresh(*, kind: str, batch_size: int = 500, full: bool = False) -> int:
    """Index published postings missing from the index or indexed by an older analyser; drop the rest."""
    version = analyzer_version()
    indexed = IndexedPosting.objects.filter(kind=kind)
    published_ids = set(MODELS[kind].objects.filter(status="published").values_list("pk", flat=True))
    current = set() if full else set(indexed.filter(analyzer_version=version).values_list("posting_id", flat=True))
    stale = set(indexed.values_list("posting_id", flat=True)) - published_ids
    for posting_id in stale:
        posting_unindex(kind=kind, posting_id=posting_id)
    return postings_index_ids(kind=kind, ids=published_ids - current, batch_size=batch_size)


# --- retrieval and scoring -----------------------------------------------------------------------


SideStats = index.SideStats


def side_stats(kind: str) -> SideStats:
    return index.side_stats(kind)


def document_frequencies(kind: str, terms: Iterable[str]) -> dict[str, int]:
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
    from mengkeju.core.models import IndustryCluster

    through = IndustryCluster.related.through
    names = dict(IndustryCluster.objects.values_list("pk", "name_zh"))
    return {
        (names[a], names[b])
        for a, b in through.objects.values_list("from_industrycluster_id", "to_industrycluster_id")
        if a in names and b in names
    }


def rank_for(*, kind: str, posting_id: int, top_k: int | None = None, threshold: float | None = None):
    """The best postings of the other side for an indexed posting: [(need_id, achievement_id, Scored)]."""
    analyzer = default_analyzer()
    top_k = top_k or top_k_default()
    threshold = threshold_default() if threshold is None else threshold
    own = _load_sides(kind, [posting_id]).get(posting_id)
    if own is None:
        return []
    related = related_clusters()
    ach_stats = side_stats(PostingKind.ACHIEVEMENT)
    if kind == PostingKind.NEED:
        expanded = analyzer.expand(own.terms)
        grams = own.grams = analyzer.expand_grams(own.grams, expanded)
        df = _df_of(PostingKind.ACHIEVEMENT, expanded, grams)
        weights = _retrieval_weights(expanded, grams, ach_stats, df)
        candidates = _load_sides(
            PostingKind.ACHIEVEMENT, _candidates(PostingKind.ACHIEVEMENT, weights, candidate_limit())
        )
        scorer = Scorer(stats=_stats_for(ach_stats, df), related=related)
        q = scorer.query(own, expanded)
        scored = scorer.rank(q, [candidates[k] for k in sorted(candidates)], top_k=top_k, threshold=threshold)
        return [(posting_id, s.key, s) for s in scored]
    # an achievement: find needs that share its words, then score each need (as the query) against it
    need_stats = side_stats(PostingKind.NEED)
    expanded = analyzer.expand(own.terms)
    grams = analyzer.expand_grams(own.grams, expanded)
    weights = _retrieval_weights(expanded, grams, need_stats, _df_of(PostingKind.NEED, expanded, grams))
    needs = _load_sides(PostingKind.NEED, _candidates(PostingKind.NEED, weights, need_candidate_limit()))
    queries = {}
    for need_id in sorted(needs):
        side = needs[need_id]
        exp = analyzer.expand(side.terms)
        side.grams = analyzer.expand_grams(side.grams, exp)
        queries[need_id] = (side, exp)
    # one look-up of the achievement-side document frequencies for all candidate needs
    terms = {t for _side, exp in queries.values() for t in exp}
    terms |= {GRAM_PREFIX + g for side, _exp in queries.values() for g in side.grams}
    scorer = Scorer(stats=_stats_for(ach_stats, document_frequencies(PostingKind.ACHIEVEMENT, terms)), related=related)
    results = []
    for need_id, (side, exp) in queries.items():
        s = scorer.score(scorer.query(side, exp), own)
        if s.score > threshold:
            results.append((need_id, posting_id, s))
    results.sort(key=lambda r: (-r[2].score, r[0]))
    return results[:top_k]


def pair_score(*, need_id: int, achievement_id: int) -> Scored | None:
    """The matcher's score and explanation for one pair that people proposed themselves (expressed
    interest, a chosen challenge entry), computed as in ``rank_for``; None when either side is not
    in the index (not published)."""
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
    stats = side_stats(PostingKind.ACHIEVEMENT)
    scorer = Scorer(
        stats=_stats_for(stats, _df_of(PostingKind.ACHIEVEMENT, expanded, need.grams)), related=related_clusters()
    )
    return scorer.score(scorer.query(need, expanded), achievement)


def match_fill_score(*, match: Match) -> Match:
    """Give a person-made match the matcher's score and explanation (set on ``match``, not saved)."""
    scored = pair_score(need_id=match.need_id, achievement_id=match.achievement_id)
    if scored is not None:
        match.score, match.components, match.explanation = scored.score, scored.components, scored.explanation
        match.algorithm_version = ALGORITHM_VERSION
    return match


# --- proposals -----------------------------------------------------------------------------------


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def proposals_save(*, pairs: list[tuple[int, int, Scored]]) -> SaveResult:
    """Upsert proposals. Open proposals get the new score; withdrawn ones are proposed again; rejected,
    approved and interest-sourced matches are never touched. Safe to run twice (same rows)."""
    result = SaveResult()
    if not pairs:
        return result
    with transaction.atomic():
        q = Q()
        for need_id, ach_id, _s in pairs:
            q |= Q(need_id=need_id, achievement_id=ach_id)
        existing = {(m.need_id, m.achievement_id): m for m in Match.objects.select_for_update().filter(q)}
        now = timezone.now()
        new, changed = [], []
        for need_id, ach_id, s in pairs:
            fields = {
                "score": s.score,
                "components": s.components,
                "explanation": s.explanation,
                "algorithm_version": ALGORITHM_VERSION,
            }
            match = existing.get((need_id, ach_id))
            if match is None:
                new.append(Match(need_id=need_id, achievement_id=ach_id, source=MatchSource.MATCHER, **fields))
                continue
            if match.source != MatchSource.MATCHER or match.status not in (MatchStatus.PROPOSED, MatchStatus.WITHDRAWN):
                result.unchanged += 1
                continue
            if match.status == MatchStatus.PROPOSED and all(getattr(match, k) == v for k, v in fields.items()):
                result.unchanged += 1
                continue
            for k, v in fields.items():
                setattr(match, k, v)
            match.status = MatchStatus.PROPOSED
            match.updated_at = now
            changed.append(match)
        Match.objects.bulk_create(new, ignore_conflicts=True)
        Match.objects.bulk_update(changed, [*fields, "status", "updated_at"])
    result.created, result.updated = len(new), len(changed)
    return result


def posting_match(*, kind: str, posting_id: int, top_k: int | None = None, reindex: bool = True) -> SaveResult:
    """Index one published posting (if asked) and propose its best partners. What the Celery task runs."""
    model = MODELS[kind]
    posting = published(kind).filter(pk=posting_id).first()
    if posting is None:  # no longer published: nothing to match (its proposals were withdrawn)
        posting_unindex(kind=kind, posting_id=posting_id)
        return SaveResult()
    if reindex or not IndexedPosting.objects.filter(kind=kind, posting_id=posting_id).exists():
        postings_index(kind=kind, postings=[posting])
    del model
    return proposals_save(pairs=rank_for(kind=kind, posting_id=posting_id, top_k=top_k))


# --- synonyms ------------------------------------------------------------------------------------


def _synonyms_changed() -> None:
    """This process's analyser reloads now; other processes notice the new ``synonyms_version`` within
    ``VERSION_CHECK_SECONDS``. Postings already indexed keep their old words until the next full run
    re-indexes them (their ``analyzer_version`` no longer matches)."""
    transaction.on_commit(reset_default_analyzer)


def synonym_create(*, term: str, synonym: str, note: str = "") -> Synonym:
    """Add a pair, normalised as the analyser reads it (NFKC, lower case); a pair is the same in either
    order, so 光伏 ~ 太阳能电池 and 太阳能电池 ~ 光伏 are one pair.  Hidden characters (zero-width, bidi
    controls) are removed.  Raises ``ValidationError`` keyed ``term`` / ``synonym`` / ``note``, also when
    another request added the same pair a moment ago (the unique constraints decide)."""
    term, synonym = strip_hidden(normalize(term)).strip(), strip_hidden(normalize(synonym)).strip()
    if term and term == synonym:
        raise ValidationError({"synonym": _("A word is not a synonym of itself.")})
    either_order = Q(term=term, synonym=synonym) | Q(term=synonym, synonym=term)
    if term and synonym and Synonym.objects.filter(either_order).exists():
        raise ValidationError({"synonym": _("This pair exists already.")})
    row = Synonym(term=term, synonym=synonym, note=note.strip())
    row.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same pair added by another request a moment ago
        raise ValidationError({"synonym": _("This pair exists already.")}) from None
    _synonyms_changed()
    return row


def synonym_delete(*, synonym: Synonym) -> None:
    synonym.delete()
    _synonyms_changed()
