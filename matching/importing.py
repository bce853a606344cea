"""``import_postings``: needs or achievements from JSONL, CSV or an ``.xlsx`` workbook, upserted by ``external_id``.

All or nothing per file: every record is checked first; any error (unreadable line, bad JSON, a CSV row with
more cells than the header, unknown cluster, missing required field, wrong type, a value over its limit, an
implausible amount, a deadline in the past or more than ten years ahead) is reported with its FILE line (for a
workbook its sheet row) and field, and nothing is saved. Problems with the file as a whole (too large, an
encoding that cannot be read, an ``.xls`` workbook) are one line naming the file. Reading is streamed (see
``import_reading``); what is kept in memory is the checked records of one file (≤ ``MAX_FILE_BYTES``).
"""

from __future__ import annotations

import contextlib
import datetime
import multiprocessing
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from achievements.models import IP_TYPE_BY_CHINESE, MATURITY_BY_CHINESE, Achievement, IPType, Maturity
from mengkeju.core.models import CooperationMode, IndustryCluster, Organization
from mengkeju.lib.bulk import copy_instances
from mengkeju.lib.hidden import clean_line, first_control_character, name_key, strip_hidden
from mengkeju.lib.planner_stats import analyze_after_bulk_write
from mengkeju.lib.progress import NullProgress
from mengkeju.lib.textanalysis import default_analyzer
from mengkeju.postings.limits import (
    amount_wan_problem,
    deadline_problem,
    keywords_problem,
    length_problem,
    message_of,
    text_limit,
)
from mengkeju.postings.search import search_tokens_from
from mengkeju.postings.sorting import title_sort_key
from mengkeju.regions.tree import region_resolve, region_tree
from needs.models import TechnicalNeed

from . import indexing
from .import_reading import FileRefused, open_source, text_problem

COMMON = {"external_id", "title", "description", "keywords", "cluster", "organization", "cooperation_modes", "region"}
FIELDS = {
    "need": COMMON | {"budget_min_wan", "budget_max_wan", "deadline"},
    "achievement": COMMON | {"maturity", "price_wan", "ip", "ip_numbers", "lead_researcher", "team", "deadline"},
}
REQUIRED = ("external_id", "title", "description", "cluster", "organization")
MODELS = {"need": TechnicalNeed, "achievement": Achievement}

# The limits of text, keywords, dates and amounts are those of the posting forms and models, from
# mengkeju.postings.limits: the same value gets the same verdict through the site and through an import.
MAX_ERRORS = 1000  # errors kept per file; the count goes on
# a lone surrogate (an undecodable byte) or a control character (mengkeju.lib.hidden): one search in the
# common, clean case
SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


# fields of one side only (budget on needs, price/maturity/IP/team on achievements), copied when present
SIDE_FIELDS = (
    "budget_min_wan",
    "budget_max_wan",
    "price_wan",
    "maturity",
    "ip_type",
    "ip_numbers",
    "lead_researcher",
    "team",
)


class ImportFailed(Exception):
    """Nothing was imported. ``errors``: one line each, "line N, field F: reason" (or one line naming the
    file); ``total``: how many errors there were (only the first ``MAX_ERRORS`` are kept)."""

    def __init__(self, errors: list[str], total: int | None = None):
        super().__init__("\n".join(errors))
        self.errors = errors
        self.total = total if total is not None else len(errors)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    published: int = 0
    organizations_created: int = 0
    indexed: int = 0
    ignored_fields: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    format: str = ""
    encoding: str | None = None


class _Errors(list):
    """The errors of one file: the first ``MAX_ERRORS`` kept, all counted."""

    total = 0

    def append(self, message: str) -> None:
        self.total += 1
        if len(self) < MAX_ERRORS:
            super().append(message)


def _say(problem) -> str:
    """A ``ValidationError`` of ``mengkeju.postings.limits`` as the import reports it: in English."""
    with translation.override("en"):
        return message_of(problem)


def _clean_text(value: str, name, line, errors) -> str | None:
    if not SUSPECT.search(value):
        return value
    problem = text_problem(value)
    if problem:
        errors.append(f"{line}, field {name}: {problem}")
        return None
    control = first_control_character(value)  # the forms' rule: mengkeju.lib.hidden
    if control:
        errors.append(f"{line}, field {name}: control character U+{ord(control):04X} is not allowed")
        return None
    return value


def _text(row, name, line, errors, required=False, max_length=None) -> str:
    value = row.get(name)
    if value is None or value == "":
        if required:
            errors.append(f"{line}, field {name}: required")
        return ""
    if not isinstance(value, str):
        errors.append(f"{line}, field {name}: expected text, got {type(value).__name__}")
        return ""
    if max_length and len(value) > max_length * 2 + 100:  # certainly too long: not worth stripping
        errors.append(f"{line}, field {name}: longer than {max_length:,} characters")
        return ""
    value = value.strip()
    if required and not value:
        errors.append(f"{line}, field {name}: required")
    problem = length_problem(value, max_length)
    if problem:
        errors.append(f"{line}, field {name}: {len(value):,} characters, longer than {max_length:,}")
        return ""
    return _clean_text(value, name, line, errors) or ""


def _list(row, name, line, errors) -> list[str]:
    """Keywords (or cooperation modes): a JSON list of text or CSV text separated by , ， ; ； 、 or |,
    hidden characters removed, repeats dropped — as the posting form reads them — and checked by
    ``limits.keywords_problem``, the forms' rule."""
    value = row.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):  # CSV: separated by , ， ; 、 or |
        for sep in "，;；、|":
            value = value.replace(sep, ",")
        values = value.split(",")
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        values = value
    else:
        errors.append(f"{line}, field {name}: expected a list of text")
        return []
    items = list(dict.fromkeys(v for v in (strip_hidden(v).strip() for v in values) if v))
    for item in items:
        if _clean_text(item, name, line, errors) is None:
            return []
    problem = keywords_problem(items)
    if problem:
        errors.append(f"{line}, field {name}: {_say(problem)}")
        return []
    return items


def _decimal(row, name, line, errors) -> Decimal | None:
    """An amount in 万元: a number or numeric text; refused when negative, above the plausible bound
    (``amount_wan_problem``: yuan typed into a 万元 field) or with more than two decimals."""
    value = row.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors.append(f"{line}, field {name}: expected a number, got {type(value).__name__}")
        return None
    text = str(value).strip()
    if len(text) > 40:
        errors.append(f"{line}, field {name}: expected an amount in 万元, got {len(text)} characters")
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        errors.append(f"{line}, field {name}: expected a number, got {text!r}")
        return None
    problem = amount_wan_problem(number)
    if problem:
        errors.append(f"{line}, field {name}: {problem}")
        return None
    return number


def _date(row, name, line, errors, today: datetime.date) -> datetime.date | None:
    value = row.get(name)
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        date = datetime.date.fromisoformat(text) if len(text) <= 10 else None
    except ValueError:
        date = None
    if date is None:
        errors.append(f"{line}, field {name}: expected a date YYYY-MM-DD, got {text[:40]!r}")
        return None
    problem = deadline_problem(date, today)  # the forms' rule: today or later, at most 10 years ahead
    if problem:
        errors.append(f"{line}, field {name}: {date}: {_say(problem)}")
        return None
    return date


def postings_import(
    *,
    kind: str,
    path: Path,
    publish: bool = False,
    encoding: str = "auto",
    progress: Callable[..., object] | None = None,
    workers: int | None = None,
) -> ImportSummary:
    """Check the whole file, then upsert every record in one transaction.

    ``kind``: "need" or "achievement"; ``path``: a ``.jsonl``, ``.csv`` or ``.xlsx`` file (≤ 256 MB);
    ``encoding``: "auto" or one of ``import_reading.ENCODINGS`` (text files); ``publish``: published at
    once (and indexed for the matcher). ``progress(desc=..., total=..., unit=...)`` makes a progress
    tracker with ``update(n)`` and ``close()`` (``mengkeju.lib.progress``); default none.
    ``workers``: processes analysing the postings (default ``import_workers``: one per CPU for large files).
    Raises ``ImportFailed`` with every error found (line and field), having saved nothing.
    """
    started = time.perf_counter()
    progress = progress or NullProgress.factory
    model = MODELS[kind]
    summary = ImportSummary()
    try:
        source, records = open_source(path, encoding=encoding)
    except FileRefused as exc:
        raise ImportFailed([str(exc)]) from None
    summary.format, summary.encoding = source.format, source.encoding
    summary.notes.extend(source.notes)
    unit = "row" if source.format == "xlsx" else "line"
    clusters = {}
    for cluster in IndustryCluster.objects.all():
        clusters[cluster.code] = cluster
        clusters[cluster.name_zh] = cluster
    modes = {}
    for mode in CooperationMode.objects.all():
        modes[mode.code] = mode
        modes[mode.name_zh] = mode
    limits = {name: text_limit(model, name) for name in ("title", "description", "region", "ip_numbers", "team")}
    limits["lead_researcher"] = text_limit(model, "lead_researcher") if kind == "achievement" else None
    today = timezone.localdate()

    errors = _Errors()
    parsed = []
    seen: dict[str, int] = {}
    bar = progress(desc=f"checking {path.name}", total=source.estimated_records, unit=unit)
    last_line = 0
    try:
        for record in records:
            bar.update(max(record.line - last_line, 1) if record.line else 0)
            last_line = max(last_line, record.line)
            if record.error:
                errors.append(record.error)
                continue
            item = _check(
                kind, record, f"{unit} {record.line}", clusters, modes, limits, seen, errors, summary, publish, today
            )
            if not errors.total:  # once the file has failed, keep only the count of errors, not the rows
                parsed.append(item)
    except FileRefused as exc:
        raise ImportFailed([str(exc)]) from None
    finally:
        bar.close()
    if errors.total:
        raise ImportFailed(list(errors), errors.total)

    regions = region_tree()
    workers = import_workers(len(parsed)) if workers is None else max(1, workers)
    analyzer = default_analyzer()
    with transaction.atomic():
        organizations = _organizations(kind, {item["organization"] for item in parsed}, summary)
        existing = {p.external_id: p for p in model.objects.filter(external_id__in=[i["external_id"] for i in parsed])}
        now = timezone.now()
        postings = []
        for item in parsed:
            posting = existing.get(item["external_id"]) or model(external_id=item["external_id"], status="draft")
            posting.title = item["title"]
            posting.description = item["description"]
            posting.keywords = item["keywords"]
            posting.cluster = clusters[item["cluster"]]
            posting.organization = organizations[item["organization"]]
            posting.region = item["region"]
            posting.division_id = region_resolve(item["region"], tree=regions)  # 鄂尔多斯 → 鄂尔多斯市
            posting.deadline = item["deadline"]
            for name in SIDE_FIELDS:
                if name in item:
                    setattr(posting, name, item[name])
            if publish and posting.status != "published":
                posting.status = "published"
                posting.published_at = posting.published_at or now
                summary.published += 1
            posting.updated_at = now
            postings.append(posting)
        names = [
            "title",
            "description",
            "keywords",
            "cluster",
            "organization",
            "region",
            "division",
            "title_sort",
            "deadline",
            "status",
            "published_at",
            "search_tokens",
            "updated_at",
        ]
        names += [n for n in SIDE_FIELDS if hasattr(model, n)]
        through = model.cooperation_modes.through
        owner = f"{model._meta.model_name}_id"
        stats = indexing.StatsDelta()
        # the text analysis (pinyin sort key, search terms, the matcher's features) of a batch runs in
        # worker processes while this one writes the batch before it; every write is in this transaction
        bar = progress(desc=f"saving and indexing {kind}s", total=len(parsed), unit=kind)
        batches = [
            (postings[i : i + IMPORT_BATCH], parsed[i : i + IMPORT_BATCH]) for i in range(0, len(parsed), IMPORT_BATCH)
        ]
        inputs = ([_derive_input(kind, p, item) for p, item in zip(*batch, strict=True)] for batch in batches)
        with _deriving(workers, analyzer) as derive:
            for (batch, items), derived in zip(batches, derive(inputs), strict=True):
                for posting, (title_sort, search_tokens, _) in zip(batch, derived, strict=True):
                    posting.title_sort, posting.search_tokens = title_sort, search_tokens
                to_create = [p for p in batch if not p.pk]
                to_update = [p for p in batch if p.pk]
                _create(model, to_create)
                if to_update:
                    model.objects.bulk_update(to_update, names, batch_size=IMPORT_BATCH)
                if not all(p.pk for p in to_create):  # backends without RETURNING ids
                    ids = dict(
                        model.objects.filter(external_id__in=[p.external_id for p in to_create]).values_list(
                            "external_id", "pk"
                        )
                    )
                    for p in to_create:
                        p.pk = ids[p.external_id]
                if to_update:
                    through.objects.filter(**{f"{owner}__in": [p.pk for p in to_update]}).delete()
                through.objects.bulk_create(
                    [
                        through(**{owner: p.pk, "cooperationmode_id": m.pk})
                        for p, item in zip(batch, items, strict=True)
                        for m in item["modes"]
                    ],
                    batch_size=2000,
                )
                summary.created += len(to_create)
                summary.updated += len(to_update)
                # published postings enter the matcher's index now (new text, new words), so the next match
                # of either side finds them; proposals for them come from the next full run (or `match --all`)
                created = {p.pk for p in to_create}
                rows = [
                    (p.pk, p.cluster.code, features)
                    for p, (_, _, features) in zip(batch, derived, strict=True)
                    if features is not None
                ]
                for new in (True, False):
                    summary.indexed += indexing.index_write(
                        kind=kind,
                        items=[row for row in rows if (row[0] in created) == new],
                        new=new,
                        stats=stats,
                        analyzer=analyzer,
                    )
                bar.update(len(batch))
        stats.save(kind)
        bar.close()
    analyze_after_bulk_write(_written_tables(model), rows=summary.created + summary.updated)
    summary.seconds = time.perf_counter() - started
    return summary


def _create(model, postings: list) -> None:
    """Insert new ``postings`` (unsaved instances of ``model``) and set their ids: on PostgreSQL by ``COPY``
    with ids drawn from the table's sequence — Django's ``bulk_create`` binds one parameter a value (~30 a
    posting) that psycopg splits in Python: the postings of a 20k import took 49.3 s that way, 42.2 s by
    ``COPY`` (docs/benchmarks.md "Import") — and by ``bulk_create`` elsewhere. The search vector's trigger
    and every constraint apply as to any insert."""
    if connection.vendor != "postgresql" or not postings:
        model.objects.bulk_create(postings, batch_size=IMPORT_BATCH)
        return
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(postings)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        copy_instances(cursor, connection.ops.quote_name(meta.db_table), postings, ids=ids)
    for pk, posting in zip(ids, postings, strict=True):
        posting.pk = pk
        posting._state.adding, posting._state.db = False, connection.alias


def _written_tables(model) -> list[str]:
    """The tables an import writes: postings, their cooperation modes, organizations and the matcher's index."""
    from .models import IndexedPosting, IndexTerm, IndexTermStat

    modes = model._meta.get_field("cooperation_modes").remote_field.through._meta.db_table
    others = (Organization, IndexedPosting, IndexTerm, IndexTermStat)
    return [model._meta.db_table, modes, *(m._meta.db_table for m in others)]


IMPORT_BATCH = 500  # postings written (and analysed by one worker) at a time
PARALLEL_FROM = 2000  # smaller files are analysed in this process: starting workers costs more


def import_workers(records: int) -> int:
    """Processes that analyse a file of ``records`` postings: ``settings.IMPORT_WORKERS`` (0: one per
    CPU), 1 below ``PARALLEL_FROM`` records."""
    if records < PARALLEL_FROM:
        return 1
    return settings.IMPORT_WORKERS or os.cpu_count() or 1


def _derive_input(kind: str, posting, item: dict) -> dict:
    """What a worker needs to analyse one posting: plain values only (no database)."""
    return {
        "kind": kind,
        "title": posting.title,
        "heading": " ".join([posting.title, " ".join(posting.keywords or ())]),
        "public_text": posting.public_text(),
        "index": posting.status == "published",
        "text": posting.matching_text(),
        "cluster": posting.cluster.name_zh,
        "modes": [m.name_zh for m in item["modes"]],
        "budget_min_wan": getattr(posting, "budget_min_wan", None),
        "budget_max_wan": getattr(posting, "budget_max_wan", None),
        "price_wan": getattr(posting, "price_wan", None),
        "maturity": getattr(posting, "maturity", None),
    }


_worker_analyzer = None  # the parent's analyser, inherited by forked workers (they never open the database)


def _derive(batch: list[dict], analyzer=None) -> list[tuple[str, str, dict | None]]:
    """(title sort key, search_tokens, matcher features or None when not published) of each posting."""
    analyzer = analyzer or _worker_analyzer
    out = []
    for p in batch:
        search_tokens = search_tokens_from(heading=p["heading"], body=p["public_text"], analyzer=analyzer)
        features = None
        if p["index"]:
            features = indexing.features_from(
                p["kind"],
                text=p["text"],
                cluster=p["cluster"],
                modes=p["modes"],
                budget_min_wan=p["budget_min_wan"],
                budget_max_wan=p["budget_max_wan"],
                price_wan=p["price_wan"],
                maturity=p["maturity"],
                analyzer=analyzer,
            )
        out.append((title_sort_key(p["title"]), search_tokens, features))
    return out


@contextlib.contextmanager
def _deriving(workers: int, analyzer):
    """A function mapping an iterable of batches to their ``_derive`` results, in order: in this process
    for one worker, else in a pool of forked processes that analyse ahead while the caller writes.
    A worker that dies (killed, out of memory) raises ``ImportFailed`` here; the caller's transaction
    then saves nothing."""
    if workers <= 1:
        yield lambda batches: (_derive(batch, analyzer) for batch in batches)
        return
    global _worker_analyzer
    analyzer.tokens("预热")  # jieba's dictionary loaded once, here, not in every worker
    _worker_analyzer = analyzer
    # fork: workers inherit the analyser and its caches; they only compute, the database stays with us
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))

    def derive(batches):
        try:
            yield from pool.map(_derive, batches)
        except BrokenProcessPool:
            raise ImportFailed(
                [
                    "the import stopped and saved nothing: a process analysing the postings ended unexpectedly "
                    "(out of memory?); try again with IMPORT_WORKERS=1"
                ]
            ) from None

    try:
        yield derive
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _worker_analyzer = None


def _check(kind, record, line, clusters, modes, limits, seen, errors, summary, publish, today) -> dict:
    """One record's fields checked and converted; problems appended to ``errors`` as "line N, field F: …"."""
    row = record.row
    for name in row:
        if name in FIELDS[kind]:
            continue
        if not isinstance(name, str) or SUSPECT.search(name):
            errors.append(f"{line}: a field name is not valid text")
            return {}
        summary.ignored_fields[name[:60]] = summary.ignored_fields.get(name[:60], 0) + 1
    item: dict = {"line": record.line}
    for name in REQUIRED:
        item[name] = _text(row, name, line, errors, required=True, max_length=limits.get(name, 200))
    item["title"] = clean_line(item["title"])  # as the form: hidden characters removed, one line
    if item["external_id"] and len(item["external_id"]) > 64:
        errors.append(f"{line}, field external_id: longer than 64 characters")
    if item["external_id"] in seen:
        errors.append(f"{line}, field external_id: {item['external_id']} repeats {seen[item['external_id']]}")
    elif item["external_id"]:
        seen[item["external_id"]] = line
    if item["cluster"] and item["cluster"] not in clusters:
        errors.append(f"{line}, field cluster: unknown cluster {item['cluster']!r}")
    item["keywords"] = _list(row, "keywords", line, errors)
    mode_names = _list(row, "cooperation_modes", line, errors)
    unknown = [m for m in mode_names if m not in modes]
    if unknown:
        errors.append(f"{line}, field cooperation_modes: unknown {', '.join(unknown)}")
    item["modes"] = list(dict.fromkeys(modes[m] for m in mode_names if m in modes))  # 技术转让 and its code: one
    item["region"] = _text(row, "region", line, errors, max_length=limits["region"])
    item["deadline"] = _date(row, "deadline", line, errors, today)
    if kind == "need":
        item["budget_min_wan"] = _decimal(row, "budget_min_wan", line, errors)
        item["budget_max_wan"] = _decimal(row, "budget_max_wan", line, errors)
        low, high = item["budget_min_wan"], item["budget_max_wan"]
        if low is not None and high is not None and low > high:
            errors.append(f"{line}, field budget_max_wan: below budget_min_wan")
    else:
        item["price_wan"] = _decimal(row, "price_wan", line, errors)
        maturity = _text(row, "maturity", line, errors, max_length=40)
        if maturity and maturity not in MATURITY_BY_CHINESE and maturity not in Maturity.values:
            errors.append(f"{line}, field maturity: unknown {maturity!r}")
        item["maturity"] = MATURITY_BY_CHINESE.get(maturity, maturity) or Maturity.LAB
        ip = _text(row, "ip", line, errors, max_length=40)
        if ip and ip not in IP_TYPE_BY_CHINESE and ip not in IPType.values:
            errors.append(f"{line}, field ip: unknown {ip!r}")
        item["ip_type"] = IP_TYPE_BY_CHINESE.get(ip, ip) or IPType.NONE
        item["ip_numbers"] = _text(row, "ip_numbers", line, errors, max_length=limits["ip_numbers"])
        item["lead_researcher"] = _text(row, "lead_researcher", line, errors, max_length=limits["lead_researcher"])
        item["team"] = _text(row, "team", line, errors, max_length=limits["team"])
    return item


def _organizations(kind: str, names: set[str], summary: ImportSummary) -> dict[str, Organization]:
    """Organizations by name; missing ones are created unverified — enterprises for needs, universities
    for achievements (DESIGN.md). An enterprise may lack its credit code until an admin verifies it."""
    # names are compared as mengkeju.lib.hidden.name_key does (a zero-width space makes no new organization)
    keys = {name: name_key(name) for name in names}
    by_key = {o.name_key: o for o in Organization.objects.filter(name_key__in=set(keys.values()))}
    missing = {}
    for name in sorted(names):
        if keys[name] not in by_key:
            missing.setdefault(keys[name], clean_line(name))
    if missing:
        org_kind = Organization.Kind.ENTERPRISE if kind == "need" else Organization.Kind.UNIVERSITY
        Organization.objects.bulk_create(
            [Organization(kind=org_kind, name=name, name_key=key, verified=False) for key, name in missing.items()]
        )
        summary.organizations_created = len(missing)
        what = "enterprise(s)" if kind == "need" else "university(ies)"
        summary.notes.append(
            f"{len(missing)} {what} created, unverified: an admin verifies them on the moderation page"
            + (" once their credit code is entered" if kind == "need" else "")
        )
        by_key.update({o.name_key: o for o in Organization.objects.filter(name_key__in=set(missing))})
    return {name: by_key[keys[name]] for name in names}
