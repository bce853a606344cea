"""Candidate postings' features, parsed once per process (``load_sides``).

Ranking one need reads the features of its ~100–200 candidate achievements (``IndexedPosting.features``,
~10 kB of JSON each); parsing them was half of the time of ``rank_for`` (cProfile, 3,000 achievements:
0.8 ms ``json.loads`` + 0.3 ms ``Side`` per candidate). A worker ranks thousands of needs whose candidates
overlap, so parsed sides are kept in a bounded, least-recently-used map per process.

The key is the ``IndexedPosting`` row — its id, ``indexed_at``, lengths and analyser version — not the
posting: (re)indexing a posting deletes its row and creates a new one (``matching.indexing.postings_index``),
so an edited posting gets a new key and a stale side is never used, even where an id comes back after a
rolled-back transaction (SQLite); one cheap query (these columns of the candidates) checks which rows are
current.
Rows not in the map are read as text and parsed with orjson (about twice as fast as ``json``).

The sides handed out are shared: callers must not change them (``rank_for`` only changes the query
side, which it loads without the cache). ``MATCHING_SIDE_CACHE`` (default 5,000 sides) bounds the memory:
a side takes ~59 kB in CPython (tracemalloc, generated achievements at 10k), so the default costs a
process up to ~290 MB; 0 turns the cache off (every candidate parsed, still with orjson).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

import orjson
from django.conf import settings
from django.db import connection

from . import sparse_index
from .indexing import side_from_features
from .models import IndexedPosting
from .scoring import Side


class CachedSide(Side):
    """A side that is never changed, so its lengths are summed once."""

    _length: float = 0.0
    _gram_length: float = 0.0

    @property
    def length(self) -> float:
        return self._length

    @property
    def gram_length(self) -> float:
        return self._gram_length


def frozen_side(side: Side) -> CachedSide:
    out = CachedSide(**{f: getattr(side, f) for f in side.__dataclass_fields__})
    out._length = sum(side.terms.values())
    out._gram_length = sum(side.grams.values())
    return out


class SideCache:
    def __init__(self, size: int):
        self.size = size
        self._sides: OrderedDict[tuple, CachedSide] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._sides.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._sides)

    def load(self, kind: str, posting_ids: Iterable[int]) -> dict[int, Side]:
        """{posting_id: Side} of the indexed postings of ``kind`` among ``posting_ids`` (others left out)."""
        ids = list(posting_ids)
        if not ids:
            return {}
        rows = IndexedPosting.objects.filter(kind=kind, posting_id__in=ids).values_list(
            "pk", "posting_id", "indexed_at", "length", "gram_length", "analyzer_version"
        )
        out: dict[int, Side] = {}
        missing: dict[int, tuple] = {}
        with self._lock:
            for key in rows:
                side = self._sides.get(key)
                if side is None:
                    missing[key[0]] = key
                else:
                    self._sides.move_to_end(key)
                    out[key[1]] = side
            self.hits += len(out)
            self.misses += len(missing)
        if not missing:
            return out
        parsed = {missing[pk]: frozen_side(side_from_features(missing[pk][1], f)) for pk, f in _features(list(missing))}
        with self._lock:
            for key, side in parsed.items():
                out[side.key] = side
                if self.size:
                    self._sides[key] = side
            while len(self._sides) > self.size:
                self._sides.popitem(last=False)
        return out


def _features(pks: list[int]) -> Iterable[tuple[int, dict]]:
    """(row id, features) of ``IndexedPosting`` rows, the JSON parsed by orjson."""
    table = IndexedPosting._meta.db_table
    column = "features::text" if connection.vendor == "postgresql" else "features"
    with connection.cursor() as cursor:
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", chunk)
            for pk, text in cursor.fetchall():
                yield pk, text if isinstance(text, dict) else orjson.loads(text)


_cache: SideCache | None = None


def side_cache() -> SideCache:
    """This process's cache, sized by ``MATCHING_SIDE_CACHE`` (read when first used or resized)."""
    global _cache
    size = getattr(settings, "MATCHING_SIDE_CACHE", 5000)
    if _cache is None or _cache.size != size:
        _cache = SideCache(size)
    return _cache


def load_sides(kind: str, posting_ids: Iterable[int]) -> dict[int, Side]:
    """Sides of candidate postings, through this process's cache, or from the index in memory when one with
    sides is in use (``matching.sparse_index.in_memory``: a full run's worker); do not change them."""
    memory = sparse_index.current(kind)
    if memory is None or memory.sides is None:
        return side_cache().load(kind, posting_ids)
    ids = list(posting_ids)
    out = {i: memory.sides[i] for i in ids if i in memory.sides}
    if len(out) < len(ids):  # indexed after the sides were read
        out.update(side_cache().load(kind, [i for i in ids if i not in out]))
    return out
