"""Shared set-up of the benchmarks: Django on a throw-away database, and a synthetic corpus.

* ``django_on_throwaway_db()`` — Django with the database of DATABASE_URL (SQLite by default); the
  benchmark runs in a fresh *test* database (``test_<name>``, a file for SQLite) that is dropped at exit.
* ``synthetic_records(n, seed)`` — n achievements in the import format, mixed from the 1,200 CSL paper
  abstracts in ``data/csl`` of this repository: title and
  keywords of one paper, one keyword of a second, and sentences of three papers as the description.
* ``load_indexed(kind, records)`` — writes the postings and their index rows in bulk. The features are
  computed with the real analyser, but per distinct piece of text (title, keyword, sentence) and summed,
  which gives the same weighted terms as analysing each posting (jieba cuts at punctuation anyway) in a
  fraction of the time; index rows go in with COPY on PostgreSQL and executemany on SQLite.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import random
import re
import sys
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CSL = [DATA / "csl" / "csl-dev.jsonl", DATA / "csl" / "csl-test.jsonl"]
DEV = DATA / "eval" / "dev"
SENTENCE_RE = re.compile(r"(?<=[。；;！!？?])")
MATURITIES = ["lab", "bench", "pilot", "industrial"]
MATURITY_ZH = {"lab": "实验室", "bench": "小试", "pilot": "中试", "industrial": "产业化"}


def django_on_throwaway_db(*, verbosity: int = 0, keepdb: bool = False, keep_name: str = "keep") -> str:
    """Set Django up and switch to a fresh test database; returns the backend's vendor. With ``keepdb``
    the database (``test_<name>_<keep_name>`` on the server of ``DATABASE_URL``, or
    /tmp/mengkeju-bench-<keep_name>-<checkout>.sqlite3) is kept and reused next time; without it the
    database is this process's own (``test_<name>_<pid>``), so benchmarks can run side by side."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mengkeju.settings")
    os.environ.setdefault("DB_CONN_MAX_AGE", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        # a file, as in production, not the in-memory database Django's tests use
        # a kept file is this checkout's own (several checkouts may run benchmarks on one machine)
        name = f"{keep_name}-{hashlib.sha1(str(ROOT).encode()).hexdigest()[:8]}" if keepdb else os.getpid()
        db.setdefault("TEST", {})["NAME"] = str(Path("/tmp") / f"mengkeju-bench-{name}.sqlite3")
    else:
        suffix = keep_name.replace("-", "_") if keepdb else os.getpid()
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{suffix}"
    old = setup_databases(
        verbosity=verbosity, interactive=False, keepdb=keepdb, aliases={"default"}, serialized_aliases=set()
    )

    def drop():
        connection.close()
        teardown_databases(old, verbosity=verbosity, keepdb=keepdb)

    atexit.register(drop)
    return connection.vendor


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def csl_records() -> list[dict]:
    return [r for path in CSL for r in read_jsonl(path)]


def synthetic_records(n: int, *, seed: int = 7, prefix: str = "B-A") -> list[dict]:
    rng = random.Random(seed)
    papers = csl_records()
    sentences = [[s for s in SENTENCE_RE.split(p["description"]) if s.strip()] for p in papers]
    out = []
    for i in range(n):
        a, b, c = rng.sample(range(len(papers)), 3)
        pa = papers[a]
        description = sentences[a][:3] + sentences[b][:1] + sentences[c][-1:]
        keywords = list(pa.get("keywords") or [])[:3] + list(papers[b].get("keywords") or [])[:1]
        maturity = rng.choice(MATURITIES)
        out.append(
            {
                "external_id": f"{prefix}{i:06d}",
                "title": pa["title"],
                "description": "".join(description),
                "keywords": keywords,
                "cluster": pa["cluster"],
                "organization": "CSL论文摘要库",
                "maturity": MATURITY_ZH[maturity],
                "price_wan": rng.choice([None, 20, 50, 100, 300]),
                "cooperation_modes": rng.sample(["技术转让", "技术许可", "合作开发", "技术服务"], 2),
            }
        )
    return out


def write_jsonl(records: list[dict], path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


# --- fast loading of postings with their index rows ---------------------------------------------


CACHED_PIECES = 200_000


class Features:
    """posting features (as matching.services.posting_features) composed from cached pieces."""

    def __init__(self, analyzer):
        self.a = analyzer
        # bounded: sentences and keywords repeat across generated postings, titles mostly do not, and
        # unbounded caches held ~40 kB a posting (20 GB at 500k)
        self.terms = lru_cache(maxsize=CACHED_PIECES)(self._terms)
        self.grams = lru_cache(maxsize=CACHED_PIECES)(self._grams)
        self.concepts = lru_cache(maxsize=CACHED_PIECES)(self._concepts)
        self.words = lru_cache(maxsize=CACHED_PIECES)(self._words)

    def _words(self, text: str) -> frozenset[str]:
        return frozenset(self.a.tokens(text))

    def _terms(self, field: str, text: str):
        kw = {"keywords": [], "title": "", "description": ""}
        kw[field] = [text] if field == "keywords" else text
        return tuple(self.a.weighted_terms(**kw).items())

    def _grams(self, field: str, text: str):
        kw = {"keywords": [], "title": "", "description": ""}
        kw[field] = [text] if field == "keywords" else text
        return tuple(self.a.weighted_grams(**kw).items())

    def _concepts(self, keyword: str):
        return json.dumps(self.a.concepts(keywords=[keyword], title=""), ensure_ascii=False)

    def of(self, record: dict) -> dict:
        from matching.concepts import posting_text

        pieces = [("keywords", k) for k in record["keywords"]] + [("title", record["title"])]
        head = pieces[:]
        pieces += [("description", s) for s in SENTENCE_RE.split(record["description"]) if s.strip()]
        terms: dict[str, float] = {}
        grams: dict[str, float] = {}
        head_grams: set[str] = set()
        for field, text in pieces:
            for t, w in self.terms(field, text):
                terms[t] = terms.get(t, 0.0) + w
            for g, w in self.grams(field, text):
                grams[g] = grams.get(g, 0.0) + w
        for field, text in head:
            head_grams.update(g for g, _ in self.grams(field, text))
        concepts = []
        for k in record["keywords"]:
            concepts += json.loads(self.concepts(k))
        if not record["keywords"]:
            concepts = self.a.concepts(keywords=[], title=record["title"])
        # the whole words (evidence of a shared concept) and, for needs, the text the concept layer reads:
        # as matching.indexing.posting_features, from posting_text (title, keywords, description)
        words: set[str] = set()
        for _field, text in pieces:
            words |= self.words(text)
        features = {
            "terms": terms,
            "grams": grams,
            "head_grams": sorted(head_grams),
            "concepts": concepts,
            "cluster": record["cluster"],
            "modes": sorted(record.get("cooperation_modes") or []),
            "words": sorted(words),
        }
        if "budget_max_wan" in record or record.get("kind") == "need":
            features["text"] = posting_text(record)
            features["budget_min"] = record.get("budget_min_wan")
            features["budget_max"] = record.get("budget_max_wan")
        else:
            features["price"] = float(record["price_wan"]) if record.get("price_wan") is not None else None
            features["maturity"] = record.get("maturity")
        return features


def load_indexed(kind: str, records: list[dict], *, progress=print) -> list[int]:
    """Create published postings of ``kind`` from import-format records, with their index rows."""
    from django.db import connection, transaction
    from django.utils import timezone

    from matching import index, services
    from matching.models import IndexedPosting
    from mengkeju.core.models import IndustryCluster, Organization
    from mengkeju.lib.textanalysis import default_analyzer

    analyzer = default_analyzer()
    version = services.analyzer_version(analyzer)
    model = services.MODELS[kind]
    clusters = {c.name_zh: c for c in IndustryCluster.objects.all()}
    org_kind = Organization.Kind.ENTERPRISE if kind == "need" else Organization.Kind.UNIVERSITY
    org, _ = Organization.objects.get_or_create(name=f"bench-{kind}", defaults={"kind": org_kind})
    now = timezone.now()
    started = time.perf_counter()
    ids: list[int] = []
    feats = Features(analyzer)
    batch = 5000
    for start in range(0, len(records), batch):
        chunk = records[start : start + batch]
        rows = []
        for r in chunk:
            fields = dict(
                external_id=r["external_id"],
                title=r["title"][:200],
                description=r["description"],
                keywords=r["keywords"],
                cluster=clusters[r["cluster"]],
                organization=org,
                status="published",
                published_at=now,
            )
            if kind == "achievement":
                fields["maturity"] = {v: k for k, v in MATURITY_ZH.items()}.get(r.get("maturity"), "lab")
                fields["price_wan"] = r.get("price_wan")
            else:
                fields["budget_min_wan"] = r.get("budget_min_wan")
                fields["budget_max_wan"] = r.get("budget_max_wan")
            rows.append(model(**fields))
        with transaction.atomic():
            model.objects.bulk_create(rows, batch_size=1000)
            if not all(p.pk for p in rows):
                pks = dict(
                    model.objects.filter(external_id__in=[p.external_id for p in rows]).values_list("external_id", "pk")
                )
                for p in rows:
                    p.pk = pks[p.external_id]
            entries, terms = [], []
            for r, posting in zip(chunk, rows, strict=True):
                f = feats.of({**r, "kind": kind})
                entries.append(
                    IndexedPosting(
                        kind=kind,
                        posting_id=posting.pk,
                        cluster=posting.cluster.code,
                        length=sum(f["terms"].values()),
                        gram_length=sum(f["grams"].values()),
                        features=f,
                        analyzer_version=version,
                    )
                )
                terms += services._index_rows(kind, posting.pk, f)
            IndexedPosting.objects.bulk_create(entries, batch_size=1000)
            index.insert_terms(terms)
        ids += [p.pk for p in rows]
        progress(f"  {kind}s loaded: {len(ids)} ({time.perf_counter() - started:.0f} s)")
    index.stats_rebuild(kind)  # the rows went in without the services' bookkeeping
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE matching_indexterm")
            cursor.execute("VACUUM ANALYZE matching_indexedposting")
            cursor.execute("ANALYZE")  # the postings, organisations and statistics too (autovacuum may be off)
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return ids


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)
