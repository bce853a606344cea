"""The matcher's index upkeep: a published posting's features (``IndexedPosting``) and inverted-index rows
(``IndexTerm``), with the document-frequency statistics kept in step (``matching.index``).

Lower layer of ``matching.services``: imports models, ``matching.index`` and the analyser, never the
services or tasks.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from achievements.models import Achievement
from mengkeju.lib.textanalysis import default_analyzer
from needs.models import TechnicalNeed

from . import index
from .concepts import posting_text
from .models import (
    IndexedPosting,
    IndexTerm,
    PostingKind,
)
from .scoring import ALGORITHM_VERSION, Side

MODELS = {PostingKind.NEED: TechnicalNeed, PostingKind.ACHIEVEMENT: Achievement}
OPPOSITE = {PostingKind.NEED: PostingKind.ACHIEVEMENT, PostingKind.ACHIEVEMENT: PostingKind.NEED}
GRAM_PREFIX = "§"
MATURITY_ZH = {"lab": "实验室", "bench": "小试", "pilot": "中试", "industrial": "产业化"}
MAX_TERM_LENGTH = 64


def top_k_default() -> int:
    return getattr(settings, "MATCHING_TOP_K", 10)


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


# --- the index -----------------------------------------------------------------------------------


def posting_features(posting, *, analyzer=None) -> dict:
    """What the scorer reads about a posting; JSON-serialisable (stored in ``IndexedPosting.features``)."""
    return features_from(
        kind_of(posting),
        text=posting.matching_text(),
        cluster=posting.cluster.name_zh if posting.cluster_id else None,
        modes=[mode.name_zh for mode in posting.cooperation_modes.all()],
        budget_min_wan=getattr(posting, "budget_min_wan", None),
        budget_max_wan=getattr(posting, "budget_max_wan", None),
        price_wan=getattr(posting, "price_wan", None),
        maturity=getattr(posting, "maturity", None),
        analyzer=analyzer,
    )


def features_from(
    kind: str,
    *,
    text: dict,
    cluster: str | None,
    modes: Iterable[str],
    budget_min_wan=None,
    budget_max_wan=None,
    price_wan=None,
    maturity: str | None = None,
    analyzer=None,
) -> dict:
    """``posting_features`` from plain values, without the database (import workers call it).

    ``text``: ``{"keywords": [...], "title": ..., "description": ...}`` (``Posting.matching_text()``);
    ``cluster``: the cluster's Chinese name; ``modes``: cooperation modes' Chinese names; amounts in 万元
    (numbers, ``Decimal`` or None); ``maturity``: a ``Maturity`` value (achievements)."""
    analyzer = analyzer or default_analyzer()
    keywords = [k for k in text["keywords"] if isinstance(k, str)]
    features = {
        "terms": analyzer.weighted_terms(keywords=keywords, title=text["title"], description=text["description"]),
        "grams": analyzer.weighted_grams(keywords=keywords, title=text["title"], description=text["description"]),
        "head_grams": sorted(analyzer.weighted_grams(keywords=keywords, title=text["title"], description="")),
        "concepts": analyzer.concepts(keywords=keywords, title=text["title"]),
        "cluster": cluster,
        "modes": sorted(modes),
        "words": sorted(set(analyzer.tokens(posting_text(text)))),
    }
    if kind == PostingKind.NEED:
        features["text"] = posting_text(text)  # the concept layer reads the need's own wording
        features["budget_min"] = float(budget_min_wan) if budget_min_wan is not None else None
        features["budget_max"] = float(budget_max_wan) if budget_max_wan is not None else None
    else:
        features["price"] = float(price_wan) if price_wan is not None else None
        features["maturity"] = MATURITY_ZH.get(maturity)
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
        words=frozenset(features.get("words") or ()),
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


@dataclass
class StatsDelta:
    """Changes to the index statistics of one kind, summed over several writes (``index_write``)."""

    terms: Counter = field(default_factory=Counter)
    postings: int = 0
    length: float = 0.0
    gram_length: float = 0.0

    def save(self, kind: str) -> None:
        """Apply the sums (``matching.index.stats_add``); call inside the writes' transaction."""
        index.stats_add(kind, self.terms, postings=self.postings, length=self.length, gram_length=self.gram_length)


def postings_index(*, kind: str, postings: Iterable, analyzer=None) -> int:
    """(Re)index published postings of one kind, in one transaction; returns how many."""
    analyzer = analyzer or default_analyzer()
    items = [
        (posting.pk, posting.cluster.code if posting.cluster_id else "", posting_features(posting, analyzer=analyzer))
        for posting in postings
    ]
    return index_write(kind=kind, items=items, analyzer=analyzer)


def index_write(
    *, kind: str, items: list[tuple[int, str, dict]], new: bool = False, stats: StatsDelta | None = None, analyzer=None
) -> int:
    """Write the index rows of postings whose features are computed: ``items`` are (posting id, cluster
    code, ``posting_features``). Replaces their old rows (unless ``new``: postings created in this
    transaction, which have none). The statistics change is applied now, or added to ``stats`` for the
    caller to ``save()`` once (imports write many batches). Returns how many postings were written."""
    if not items:
        return 0
    version = analyzer_version(analyzer)
    ids = [posting_id for posting_id, _, _ in items]
    entries, terms = [], []
    for posting_id, cluster, features in items:
        entries.append(
            IndexedPosting(
                kind=kind,
                posting_id=posting_id,
                cluster=cluster,
                length=sum(features["terms"].values()),
                gram_length=sum(features["grams"].values()),
                features=features,
                analyzer_version=version,
            )
        )
        terms += _index_rows(kind, posting_id, features)
    delta = StatsDelta(terms=Counter(row[1] for row in terms))
    with transaction.atomic():
        old = []
        if not new:
            # lock the postings' current index rows, so two re-indexings of one posting apply their
            # statistics one after the other
            old = list(
                IndexedPosting.objects.select_for_update()
                .filter(kind=kind, posting_id__in=ids)
                .values_list("length", "gram_length")
            )
            if old:
                delta.terms.subtract(
                    IndexTerm.objects.filter(kind=kind, posting_id__in=ids).values_list("term", flat=True)
                )
                IndexTerm.objects.filter(kind=kind, posting_id__in=ids).delete()
                IndexedPosting.objects.filter(kind=kind, posting_id__in=ids).delete()
        index.insert_postings(entries)
        index.insert_terms(terms)
        delta.postings = len(entries) - len(old)
        delta.length = sum(e.length for e in entries) - sum(o[0] for o in old)
        delta.gram_length = sum(e.gram_length for e in entries) - sum(o[1] for o in old)
        if stats is None:
            delta.save(kind)
        else:
            stats.terms.update(delta.terms)
            stats.postings += delta.postings
            stats.length += delta.length
            stats.gram_length += delta.gram_length
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
