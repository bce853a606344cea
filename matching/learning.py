"""What the matcher learns from the platform's own data, kept as versioned ``LearnedModel`` rows:

* ``generic_refresh()`` — generic words recognised from the index (both sides, all clusters; the rule is
  ``matching.generic.generic_from_counts``), at the start of every full run;
* ``calibration_learn(...)`` — the calibration and re-ranking weights refitted on brokers' decisions
  (approved = 1, rejected = 0, the features stored in each match's ``components`` when it was proposed),
  5-fold cross-validated against the active calibration; saved as a new version, activated only when
  asked (``manage.py learn_matching --activate``) or by an admin;
* ``associations_refresh(...)`` — the corpus term associations (``matching.associations``: PPMI + SVD over
  the whole words of every indexed posting of both sides) learned again and saved as a new version
  (``manage.py learn_associations``; weekly beat entry when ``MATCHING_ASSOCIATIONS`` is on);
* ``learned_model_activate(model=...)`` / ``calibration_use_shipped()`` — the admin switch: make a version
  active (roll back to an older one), or fall back to the calibration shipped with the code.
"""

from __future__ import annotations

import math
import random

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from .calibration import Calibrator, features, fit
from .generic import CLUSTER_SHARE, MIN_CLUSTERS, MIN_SHARE, generic_from_counts
from .models import (
    IndexedPosting,
    IndexKindStat,
    LearnedModel,
    Match,
    MatchSource,
    MatchStatus,
)

MIN_DECISIONS = 20
KEEP_GENERIC_VERSIONS = 10
KEEP_ASSOCIATION_VERSIONS = 5


def generic_refresh() -> LearnedModel | None:
    """Recount the generic words from the index and make them the active ``generic`` model when they
    changed; returns the active model (None when the index is empty). Words counted: the whole words of
    every indexed posting of both sides (``features["words"]``, as ``matching.evaluation`` counts them),
    not the sub-words of the index terms: counted as sub-words, 中心 and 传感 are frequent (inside 数据中心,
    传感器) and the compound rule of ``Scorer.is_generic`` would then call 数据中心 and 传感器 generic."""
    total = sum(IndexKindStat.objects.values_list("postings", flat=True))
    if total <= 0:
        return None
    floor = max(2, math.ceil(MIN_SHARE * total))
    df: dict[str, int] = {}
    cluster_df: dict[str, dict[str, int]] = {}
    for word, cluster, n in _frequent_words(floor):
        df[word] = df.get(word, 0) + n
        cluster_df.setdefault(word, {})[cluster] = n
    sizes: dict[str, int] = {}
    for cluster, n in IndexedPosting.objects.values("cluster").annotate(n=Count("id")).values_list("cluster", "n"):
        sizes[cluster] = sizes.get(cluster, 0) + n
    words = sorted(generic_from_counts(df, cluster_df, sizes, total))
    with transaction.atomic():
        active = LearnedModel.objects.select_for_update().filter(kind=LearnedModel.Kind.GENERIC, active=True).first()
        if active is not None and active.params.get("words") == words:
            return active
        if rolled_back(LearnedModel.Kind.GENERIC):
            # an admin chose an older version: the recount is kept beside it, inactive, and theirs stands
            newest = LearnedModel.objects.filter(kind=LearnedModel.Kind.GENERIC).order_by("-created_at", "-id").first()
            if newest.params.get("words") != words:
                _generic_version(words, total, active=False, note="not activated: an older version was chosen")
            _keep_latest(LearnedModel.Kind.GENERIC, KEEP_GENERIC_VERSIONS)
            return active
        LearnedModel.objects.filter(kind=LearnedModel.Kind.GENERIC, active=True).update(active=False)
        model = _generic_version(words, total, active=True)
        _keep_latest(LearnedModel.Kind.GENERIC, KEEP_GENERIC_VERSIONS)
    return model


def _generic_version(words: list[str], total: int, *, active: bool, note: str = "") -> LearnedModel:
    """A new version of the generic words counted over ``total`` indexed postings."""
    return LearnedModel.objects.create(
        kind=LearnedModel.Kind.GENERIC,
        version=f"data-{timezone.now():%Y%m%d-%H%M%S-%f}",
        params={"words": words},
        metrics={
            "postings": total,
            "min_share": MIN_SHARE,
            "min_clusters": MIN_CLUSTERS,
            "cluster_share": CLUSTER_SHARE,
        },
        active=active,
        note=f"{len(words)} words" + (f" ({note})" if note else ""),
    )


def rolled_back(kind: str) -> bool:
    """True when an admin made an older version of ``kind`` active (Django admin → Learned models → "Make
    the selected version active"): a newer version exists than the active one. Automatic refreshes
    (generic words at each full run, the weekly associations) then keep the admin's choice and save their
    result as an inactive version; activating the newest version hands the kind back to them."""
    active = LearnedModel.objects.filter(kind=kind, active=True).order_by("-created_at", "-id").first()
    if active is None:
        return False
    return (
        LearnedModel.objects.filter(kind=kind)
        .filter(Q(created_at__gt=active.created_at) | Q(created_at=active.created_at, pk__gt=active.pk))
        .exists()
    )


def _keep_latest(kind: str, keep: int) -> None:
    """Delete the inactive versions of ``kind`` beyond the newest ``keep``."""
    old = LearnedModel.objects.filter(kind=kind, active=False).order_by("-created_at", "-id")
    LearnedModel.objects.filter(pk__in=list(old.values_list("pk", flat=True)[keep:])).delete()


def _frequent_words(floor: int) -> list[tuple[str, str, int]]:
    """(word, cluster, postings of that cluster holding it) of every whole word held by at least ``floor``
    indexed postings of both sides; one query over ``IndexedPosting.features["words"]``."""
    table = IndexedPosting._meta.db_table
    if connection.vendor == "postgresql":
        each = "CROSS JOIN LATERAL jsonb_array_elements_text(p.features -> 'words') AS w(value)"
    else:
        each = ", json_each(p.features, '$.words') AS w"
    words = f"SELECT w.value AS word, p.cluster, COUNT(*) AS n FROM {table} p {each} GROUP BY w.value, p.cluster"
    sql = (
        f"WITH counts AS ({words}) SELECT word, cluster, n FROM counts "
        "WHERE word IN (SELECT word FROM counts GROUP BY word HAVING SUM(n) >= %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [floor])
        return cursor.fetchall()


def decision_rows() -> tuple[list[list[float]], list[int]]:
    """Features and labels of the matcher's proposals that brokers decided (approved 1, rejected 0)."""
    x, y = [], []
    rows = Match.objects.filter(
        source=MatchSource.MATCHER, status__in=(MatchStatus.APPROVED, MatchStatus.REJECTED)
    ).values_list("components", "status")
    for components, status in rows.order_by("pk"):
        c = components or {}
        if "match_score" not in c:  # proposed before calibration existed: its features are unknown
            continue
        x.append(features({**c, "score": c["match_score"]}, relative=c.get("relative", 1.0), rank=c.get("rank", 1)))
        y.append(1 if status == MatchStatus.APPROVED else 0)
    return x, y


def _log_loss(cal: Calibrator, x, y) -> float:
    eps = 1e-6
    return -sum(
        math.log(max(eps, p)) if label else math.log(max(eps, 1 - p))
        for p, label in ((cal.probability(row), label) for row, label in zip(x, y, strict=True))
    ) / max(len(y), 1)


def calibration_learn(*, activate: bool = False, note: str = "") -> LearnedModel:
    """Refit the calibration on brokers' decisions. Raises ValueError with the reason when there are
    fewer than ``MIN_DECISIONS`` usable decisions or only one kind (all approved / all rejected).
    ``metrics``: decisions, approved, 5-fold cross-validated log-loss of the new fit and of the current
    calibration on the same decisions (lower is better)."""
    from . import knowledge

    x, y = decision_rows()
    if len(y) < MIN_DECISIONS:
        raise ValueError(f"{len(y)} decisions with features; at least {MIN_DECISIONS} are needed")
    current = knowledge.calibrator()
    order = list(range(len(y)))
    random.Random(7).shuffle(order)
    folds = [order[i::5] for i in range(5)]
    cv_loss = 0.0
    for test in folds:
        held = set(test)
        train = [i for i in order if i not in held]
        if len({y[i] for i in train}) < 2 or not test:
            continue
        cal = fit([x[i] for i in train], [y[i] for i in train], threshold=current.threshold)
        cv_loss += _log_loss(cal, [x[i] for i in test], [y[i] for i in test]) * len(test)
    cal = fit(x, y, threshold=current.threshold)
    version = f"decisions-{timezone.now():%Y%m%d-%H%M%S-%f}"
    measured = {
        "decisions": len(y),
        "approved": sum(y),
        "cv_log_loss": round(cv_loss / len(y), 4),
        "current_log_loss": round(_log_loss(current, x, y), 4),
        "current_version": current.version,
    }
    with transaction.atomic():
        model = LearnedModel.objects.create(
            kind=LearnedModel.Kind.CALIBRATION,
            version=version,
            params={**cal.to_dict(), "version": version},
            metrics=measured,
            note=note[:200],
        )
        if activate:
            learned_model_activate(model=model)
    return model


def learned_model_activate(*, model: LearnedModel) -> LearnedModel:
    """Make ``model`` the active one of its kind (the others of the kind become inactive)."""
    with transaction.atomic():
        LearnedModel.objects.filter(kind=model.kind, active=True).exclude(pk=model.pk).update(active=False)
        LearnedModel.objects.filter(pk=model.pk).update(active=True, updated_at=timezone.now())
    model.refresh_from_db()
    return model


def calibration_use_shipped() -> None:
    """Roll back to the calibration shipped with the code (no learned calibration active)."""
    LearnedModel.objects.filter(kind=LearnedModel.Kind.CALIBRATION, active=True).update(
        active=False, updated_at=timezone.now()
    )


def associations_refresh(*, activate: bool = False, note: str = "", **learn_options) -> LearnedModel:
    """Learn the corpus term associations again (``matching.associations.learn``) from the whole words of
    every indexed posting — needs and achievements, including imported background abstracts — with the
    active generic words excluded, and save them as a new ``LearnedModel`` version (kind ``associations``;
    ``metrics``: postings, vocabulary, words with associations, seconds). ``activate``: make it the active
    version (the matcher uses the active one only when ``settings.MATCHING_ASSOCIATIONS`` is on). Keeps the
    last ``KEEP_ASSOCIATION_VERSIONS`` inactive versions for roll-back. An empty index gives an empty model.
    ``learn_options``: passed to ``learn`` (``min_df``, ``max_df_share``, … — the module's defaults otherwise)."""
    import time

    from . import knowledge
    from .associations import ALGORITHM, learn

    started = time.perf_counter()
    generic = knowledge.generic_words()
    documents = (
        (features or {}).get("words") or ()
        for features in IndexedPosting.objects.order_by("pk").values_list("features", flat=True).iterator(2000)
    )
    learned = learn(documents, is_word=lambda w: len(w) >= 2 and w not in generic, **learn_options)
    metrics = {**learned.info, "seconds": round(time.perf_counter() - started, 1)}
    with transaction.atomic():
        if activate:
            LearnedModel.objects.filter(kind=LearnedModel.Kind.ASSOCIATIONS, active=True).update(active=False)
        model = LearnedModel.objects.create(
            kind=LearnedModel.Kind.ASSOCIATIONS,
            version=f"{ALGORITHM}-{timezone.now():%Y%m%d-%H%M%S-%f}",
            params=learned.to_params(),
            metrics=metrics,
            active=activate,
            note=note or f"{metrics.get('words_with_associations', 0)} words with associations",
        )
        old = LearnedModel.objects.filter(kind=LearnedModel.Kind.ASSOCIATIONS, active=False).exclude(pk=model.pk)
        old = old.order_by("-created_at", "-id").values_list("pk", flat=True)
        LearnedModel.objects.filter(pk__in=list(old[KEEP_ASSOCIATION_VERSIONS:])).delete()
    return model
