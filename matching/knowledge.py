"""What the matcher knows beyond the words of a posting, read from the database with a cheap version check:

* ``concept_layer()`` — the active ``ConceptLink`` rows as a ``matching.concepts.ConceptLayer``;
* ``generic_words()`` — the documented general list plus the active ``LearnedModel`` of kind ``generic``
  (recognised from the data at the start of each full run, ``matching.learning.generic_refresh``);
* ``associations()`` — the active ``LearnedModel`` of kind ``associations`` (corpus term associations, used
  only when ``settings.MATCHING_ASSOCIATIONS`` is on), else None;
* ``calibrator()`` — the active ``LearnedModel`` of kind ``calibration``, else the calibration shipped with
  the code (``matching/data/calibration.json``).

Each is rebuilt when its table's version (count and last update) changes, so an admin's edit is seen by
every process on its next match. ``knowledge_version()`` is stored with every proposal.

Inside ``held()`` (a full run's chunk) each is read once, without its version check for every need:
an edit made meanwhile is seen by the next chunk.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
from contextlib import contextmanager

from django.db.models import Count, Max

from .calibration import Calibrator, shipped
from .concepts import ConceptLayer, ConceptLink
from .generic import general_words
from .models import ConceptLink as ConceptLinkRow
from .models import LearnedModel

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[str, tuple[object, object]] = {}


def _table_version(queryset) -> tuple:
    agg = queryset.aggregate(n=Count("id"), last=Max("updated_at"))
    return agg["n"], agg["last"].isoformat() if agg["last"] else None


def _cached(name: str, version, build):
    with _lock:
        hit = _cache.get(name)
        if hit is not None and hit[0] == version:
            return hit[1]
    value = build()
    with _lock:
        _cache[name] = (version, value)
    return value


# what ``once`` has read inside ``held()``; None outside
_held: contextvars.ContextVar = contextvars.ContextVar("matching_knowledge_held", default=None)


@contextmanager
def held():
    """Inside this block, ``once(key, read)`` reads each key once."""
    token = _held.set({})
    try:
        yield
    finally:
        _held.reset(token)


def once(key, read):
    """``read()``, or inside ``held()`` what it returned the first time for ``key``."""
    memo = _held.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def knowledge_reset() -> None:
    with _lock:
        _cache.clear()


def concept_links() -> list[ConceptLink]:
    return [
        ConceptLink(cluster, problem, technology, note, key=pk)
        for pk, cluster, problem, technology, note in ConceptLinkRow.objects.filter(active=True)
        .order_by("pk")
        .values_list("pk", "cluster", "problem", "technology", "note")
    ]


def concept_layer(analyzer) -> ConceptLayer:
    return once(("concepts", id(analyzer)), lambda: _concept_layer(analyzer))


def _concept_layer(analyzer) -> ConceptLayer:
    version = (_table_version(ConceptLinkRow.objects.all()), id(analyzer))
    return _cached("concepts", version, lambda: ConceptLayer(concept_links(), analyzer))


def _active(kind: str):
    return LearnedModel.objects.filter(kind=kind, active=True).values_list("pk", "version", "params").first()


def generic_words() -> frozenset[str]:
    return once("generic", _generic_words)


def _generic_words() -> frozenset[str]:
    row = _active(LearnedModel.Kind.GENERIC)
    version = row[:2] if row else None
    return _cached(
        "generic",
        version,
        lambda: general_words() | frozenset((row[2] or {}).get("words", ())) if row else general_words(),
    )


def word_rules():
    """A ``Scorer`` holding only the word rules of the matcher (generic words as now, words of grammar,
    compounds of generic words: ``is_generic``, ``is_evidence_word``), for judging words outside a ranking —
    the need diagnosis, the concept editor."""
    from .scoring import Scorer, Stats

    return Scorer(stats=Stats.from_sides([]), generic=generic_words())


def associations():
    """The active corpus term associations (``matching.associations.Associations``) when the matcher is set
    to use them (``settings.MATCHING_ASSOCIATIONS``) and one is active; else None."""
    from django.conf import settings

    if not getattr(settings, "MATCHING_ASSOCIATIONS", False):
        return None
    return once("associations", _associations)


def _associations():
    row = _active(LearnedModel.Kind.ASSOCIATIONS)
    if not row:
        return None

    def build():
        from .associations import Associations

        return Associations.from_params(row[2] or {}, version=row[1]) or None

    return _cached("associations", row[:2], build)


def calibrator() -> Calibrator:
    return once("calibration", _calibrator)


def _calibrator() -> Calibrator:
    row = _active(LearnedModel.Kind.CALIBRATION)
    version = row[:2] if row else None

    def build():
        if row:
            try:
                return Calibrator.from_dict({**row[2], "version": row[1]})
            except (KeyError, TypeError, ValueError):
                logger.warning("learned calibration %s unusable; using the shipped one", row[1], exc_info=True)
        return shipped()

    return _cached("calibration", version, build)


def concept_version(layer: ConceptLayer) -> str:
    """The concept layer's version: 8 hex digits of a SHA-1 over its relations in use, so any edit that
    changes what the matcher reads (not a note) gives a new one."""
    digest = hashlib.sha1()
    for link in layer.links:
        digest.update(f"{link.cluster}|{link.problem}|{link.technology};".encode())
    return digest.hexdigest()[:8]


def knowledge_version(layer: ConceptLayer, cal: Calibrator) -> str:
    """What a proposal was made with: ``<calibration version>/<concept_version>``."""
    return f"{cal.version}/{concept_version(layer)}"
