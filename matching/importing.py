"""``import_postings``: needs or achievements from JSONL or CSV, upserted by ``external_id``.

All or nothing per file: every line is checked first; any error (bad JSON, unknown cluster, missing
required field, wrong type) is reported with its line and field and nothing is saved.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from achievements.models import IP_TYPE_BY_CHINESE, MATURITY_BY_CHINESE, Achievement, IPType, Maturity
from mengkeju.core.models import CooperationMode, IndustryCluster, Organization
from mengkeju.postings.search import search_tokens_of
from needs.models import TechnicalNeed

from . import services

COMMON = {"external_id", "title", "description", "keywords", "cluster", "organization", "cooperation_modes", "region"}
FIELDS = {
    "need": COMMON | {"budget_min_wan", "budget_max_wan", "deadline"},
    "achievement": COMMON | {"maturity", "price_wan", "ip", "ip_numbers", "lead_researcher", "team", "deadline"},
}
REQUIRED = ("external_id", "title", "description", "cluster", "organization")
MODELS = {"need": TechnicalNeed, "achievement": Achievement}


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
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


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


def _read_rows(path: Path) -> list[tuple[int, dict | None, str | None]]:
    """(line number, row or None, error) for each non-empty line/record."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        return [(reader.line_num, dict(row), None) for row in reader]
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((number, None, f"line {number}: invalid JSON ({exc.msg} at column {exc.colno})"))
            continue
        if not isinstance(row, dict):
            rows.append((number, None, f"line {number}: expected a JSON object"))
            continue
        rows.append((number, row, None))
    return rows


def _text(row, name, line, errors, required=False, max_length=None) -> str:
    value = row.get(name)
    if value is None or value == "":
        if required:
            errors.append(f"line {line}, field {name}: required")
        return ""
    if not isinstance(value, str):
        errors.append(f"line {line}, field {name}: expected text, got {type(value).__name__}")
        return ""
    value = value.strip()
    if required and not value:
        errors.append(f"line {line}, field {name}: required")
    if max_length and len(value) > max_length:
        errors.append(f"line {line}, field {name}: longer than {max_length} characters")
    return value


def _list(row, name, line, errors) -> list[str]:
    value = row.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):  # CSV: separated by , ， ; 、 or |
        for sep in "，;；、|":
            value = value.replace(sep, ",")
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    errors.append(f"line {line}, field {name}: expected a list of text")
    return []


def _decimal(row, name, line, errors) -> Decimal | None:
    value = row.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors.append(f"line {line}, field {name}: expected a number, got {type(value).__name__}")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors.append(f"line {line}, field {name}: expected a number, got {value!r}")
        return None
    if not number.is_finite() or number < 0:
        errors.append(f"line {line}, field {name}: must be a number ≥ 0")
        return None
    return number


def _date(row, name, line, errors) -> datetime.date | None:
    value = row.get(name)
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.append(f"line {line}, field {name}: expected a date YYYY-MM-DD, got {value!r}")
        return None


def postings_import(*, kind: str, path: Path, publish: bool = False) -> ImportSummary:
    """Validate the whole file, then upsert every row in one transaction."""
    started = time.perf_counter()
    model = MODELS[kind]
    summary = ImportSummary()
    clusters = {}
    for cluster in IndustryCluster.objects.all():
        clusters[cluster.code] = cluster
        clusters[cluster.name_zh] = cluster
    modes = {}
    for mode in CooperationMode.objects.all():
        modes[mode.code] = mode
        modes[mode.name_zh] = mode

    errors: list[str] = []
    parsed = []
    seen: dict[str, int] = {}
    for line, row, error in _read_rows(path):
        if error:
            errors.append(error)
            continue
        for name in row:
            if name not in FIELDS[kind]:
                summary.ignored_fields[name] = summary.ignored_fields.get(name, 0) + 1
        item: dict = {"line": line}
        for name in REQUIRED:
            item[name] = _text(
                row, name, line, errors, required=True, max_length=200 if name != "description" else None
            )
        if item["external_id"] and len(item["external_id"]) > 64:
            errors.append(f"line {line}, field external_id: longer than 64 characters")
        if item["external_id"] in seen:
            errors.append(
                f"line {line}, field external_id: {item['external_id']} repeats line {seen[item['external_id']]}"
            )
        seen[item["external_id"]] = line
        if item["cluster"] and item["cluster"] not in clusters:
            errors.append(f"line {line}, field cluster: unknown cluster {item['cluster']!r}")
        item["keywords"] = _list(row, "keywords", line, errors)
        mode_names = _list(row, "cooperation_modes", line, errors)
        unknown = [m for m in mode_names if m not in modes]
        if unknown:
            errors.append(f"line {line}, field cooperation_modes: unknown {', '.join(unknown)}")
        item["modes"] = [modes[m] for m in mode_names if m in modes]
        item["region"] = _text(row, "region", line, errors, max_length=100)
        item["deadline"] = _date(row, "deadline", line, errors)
        if kind == "need":
            item["budget_min_wan"] = _decimal(row, "budget_min_wan", line, errors)
            item["budget_max_wan"] = _decimal(row, "budget_max_wan", line, errors)
            low, high = item["budget_min_wan"], item["budget_max_wan"]
            if low is not None and high is not None and low > high:
                errors.append(f"line {line}, field budget_max_wan: below budget_min_wan")
        else:
            item["price_wan"] = _decimal(row, "price_wan", line, errors)
            maturity = _text(row, "maturity", line, errors)
            if maturity and maturity not in MATURITY_BY_CHINESE and maturity not in Maturity.values:
                errors.append(f"line {line}, field maturity: unknown {maturity!r}")
            item["maturity"] = MATURITY_BY_CHINESE.get(maturity, maturity) or Maturity.LAB
            ip = _text(row, "ip", line, errors)
            if ip and ip not in IP_TYPE_BY_CHINESE and ip not in IPType.values:
                errors.append(f"line {line}, field ip: unknown {ip!r}")
            item["ip_type"] = IP_TYPE_BY_CHINESE.get(ip, ip) or IPType.NONE
            item["ip_numbers"] = _text(row, "ip_numbers", line, errors, max_length=300)
            item["lead_researcher"] = _text(row, "lead_researcher", line, errors, max_length=100)
            item["team"] = _text(row, "team", line, errors)
        parsed.append(item)
    if errors:
        raise ImportFailed(errors)

    with transaction.atomic():
        organizations = _organizations(kind, {item["organization"] for item in parsed}, summary)
        existing = {p.external_id: p for p in model.objects.filter(external_id__in=[i["external_id"] for i in parsed])}
        now = timezone.now()
        to_create, to_update = [], []
        for item in parsed:
            posting = existing.get(item["external_id"]) or model(external_id=item["external_id"], status="draft")
            posting.title = item["title"]
            posting.description = item["description"]
            posting.keywords = item["keywords"]
            posting.cluster = clusters[item["cluster"]]
            posting.organization = organizations[item["organization"]]
            posting.region = item["region"]
            posting.deadline = item["deadline"]
            for name in SIDE_FIELDS:
                if name in item:
                    setattr(posting, name, item[name])
            if publish and posting.status != "published":
                posting.status = "published"
                posting.published_at = posting.published_at or now
                summary.published += 1
            posting.search_tokens = search_tokens_of(posting)
            posting.updated_at = now
            (to_update if posting.pk else to_create).append(posting)
        model.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            names = [
                "title",
                "description",
                "keywords",
                "cluster",
                "organization",
                "region",
                "deadline",
                "status",
                "published_at",
                "search_tokens",
                "updated_at",
            ]
            names += [n for n in SIDE_FIELDS if hasattr(model, n)]
            model.objects.bulk_update(to_update, names, batch_size=500)
        if not all(p.pk for p in to_create):  # backends without RETURNING ids
            ids = dict(
                model.objects.filter(external_id__in=[p.external_id for p in to_create]).values_list(
                    "external_id", "pk"
                )
            )
            for p in to_create:
                p.pk = ids[p.external_id]
        through = model.cooperation_modes.through
        postings = {p.external_id: p for p in to_create + to_update}
        through.objects.filter(**{f"{model._meta.model_name}_id__in": [p.pk for p in postings.values()]}).delete()
        through.objects.bulk_create(
            [
                through(**{f"{model._meta.model_name}_id": postings[i["external_id"]].pk, "cooperationmode_id": m.pk})
                for i in parsed
                for m in i["modes"]
            ],
            batch_size=2000,
        )
        summary.created, summary.updated = len(to_create), len(to_update)
        # published postings enter the matcher's index now (new text, new words), so the next match of
        # either side finds them; proposals for them come from the next full run (or `match --all`)
        published = [p.pk for p in to_create + to_update if p.status == "published"]
        summary.indexed = services.postings_index_ids(kind=kind, ids=published)
    summary.seconds = time.perf_counter() - started
    return summary


def _organizations(kind: str, names: set[str], summary: ImportSummary) -> dict[str, Organization]:
    """Organizations by name; missing ones are created unverified — enterprises for needs, universities
    for achievements (DESIGN.md). An enterprise may lack its credit code until an admin verifies it."""
    found = {o.name: o for o in Organization.objects.filter(name__in=names)}
    missing = sorted(names - set(found))
    if missing:
        org_kind = Organization.Kind.ENTERPRISE if kind == "need" else Organization.Kind.UNIVERSITY
        Organization.objects.bulk_create([Organization(kind=org_kind, name=name, verified=False) for name in missing])
        summary.organizations_created = len(missing)
        what = "enterprise(s)" if kind == "need" else "university(ies)"
        summary.notes.append(
            f"{len(missing)} {what} created, unverified: an admin verifies them on the moderation page"
            + (" once their credit code is entered" if kind == "need" else "")
        )
        found.update({o.name: o for o in Organization.objects.filter(name__in=missing)})
    return found
