"""``python manage.py load_demo``: organizations, one user per role and published needs and achievements.

Idempotent: organizations and users are found by name, postings by ``external_id``; what exists is left
as it is, so a second run creates nothing.  The data lives in ``mengkeju/core/demo/`` (see its README).
"""

import datetime
import json
import tempfile
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from achievements.models import IP_TYPE_BY_CHINESE, MATURITY_BY_CHINESE, Achievement
from mengkeju.core.models import CooperationMode, IndustryCluster, Organization, Role, User
from mengkeju.postings import services as posting_services
from mengkeju.postings.models import Posting, PostingStatus
from needs.models import TechnicalNeed

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
DEMO_PASSWORD = "mengkeju-demo"
AGENCY = "青城技术转移服务有限公司"
DEMO_ENTERPRISE = "呼和浩特蒙科聚示范乳业有限公司"
DEMO_UNIVERSITY = "内蒙古工业大学"

# username, role, organization, display name
DEMO_USERS = [
    ("admin", Role.ADMIN, AGENCY, "平台管理员"),
    ("broker", Role.BROKER, AGENCY, "李娜"),
    ("enterprise", Role.ENTERPRISE, DEMO_ENTERPRISE, "王强"),
    ("researcher", Role.RESEARCHER, DEMO_UNIVERSITY, "赵敏"),
]

MODELS = {"need": TechnicalNeed, "achievement": Achievement}


def read_jsonl(name: str) -> list[dict]:
    with open(DEMO_DIR / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Command(BaseCommand):
    help = "Load demo organizations, users (password mengkeju-demo) and postings; safe to run again."

    def handle(self, *args, **options):
        before = {kind: model.objects.count() for kind, model in MODELS.items()}
        with transaction.atomic():
            organizations = ensure_organizations(read_jsonl("organizations.jsonl"))
            users = ensure_users(organizations)
            for kind, files in (
                ("need", ["needs.jsonl"]),
                ("achievement", ["achievements.jsonl", "csl_achievements.jsonl"]),
            ):
                for name in files:
                    load_postings(kind=kind, path=DEMO_DIR / name, users=users)
            ensure_own_postings(read_jsonl("own_postings.jsonl"), users=users)

        for kind, model in MODELS.items():
            total = model.objects.count()
            published = model.objects.filter(status=PostingStatus.PUBLISHED).count()
            self.stdout.write(f"{kind}s: {total} ({total - before[kind]} new), {published} published")
        self.stdout.write(f"organizations: {Organization.objects.count()}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins at {settings.SITE_URL}  (password set when the user was created)")
        self.stdout.write(f"  {'username':<12}{'password':<16}role")
        for username, role, _organization, _display in DEMO_USERS:
            self.stdout.write(f"  {username:<12}{DEMO_PASSWORD:<16}{role.value}")


def ensure_organizations(rows: list[dict]) -> dict[str, Organization]:
    organizations = {org.name: org for org in Organization.objects.filter(name__in=[r["name"] for r in rows])}
    for row in rows:
        if row["name"] in organizations:
            continue
        organization = Organization(
            kind=row["kind"],
            name=row["name"],
            region=row.get("region", ""),
            credit_code=row.get("credit_code", ""),
            description=row.get("description", ""),
            verified=True,
        )
        organization.full_clean()
        organization.save()
        organizations[organization.name] = organization
    return organizations


def ensure_users(organizations: dict[str, Organization]) -> dict[str, User]:
    users = {}
    for username, role, organization_name, display_name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "organization": organizations[organization_name],
                "display_name": display_name,
                "email": f"{username}@demo.mengkeju.example",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if role == Role.ADMIN:
                user.is_staff = user.is_superuser = True
            user.save()
        user.groups.add(Group.objects.get(name=role.value))
        users[role.value] = user
    return users


def load_postings(*, kind: str, path: Path, users: dict[str, User]) -> int:
    """Publish the postings of one import-format file that are not there yet, dressed for the demo.

    Only the new rows go through ``import_postings`` (which would otherwise update the existing ones
    and undo their demo dressing), so a second run changes nothing.
    """
    model = MODELS[kind]
    rows = read_jsonl(path.name)
    ids = [row["external_id"] for row in rows]
    existing = set(model.objects.filter(external_id__in=ids).values_list("external_id", flat=True))
    new_rows = [row for row in rows if row["external_id"] not in existing]
    if new_rows:
        with tempfile.TemporaryDirectory() as tmp:
            new_file = Path(tmp) / path.name
            new_file.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in new_rows), "utf-8")
            call_command("import_postings", "--kind", kind, str(new_file), "--publish", stdout=StringIO())
        dress_for_demo(model=model, rows=rows, new_ids={row["external_id"] for row in new_rows}, users=users)
    return len(new_rows)


DEMO_CONTACT_NAMES = ["张经理", "王老师", "李工", "赵主任", "刘博士", "陈经理", "杨老师", "高工", "孙主任", "马博士"]


def dress_for_demo(*, model: type[Posting], rows: list[dict], new_ids: set[str], users: dict[str, User]) -> None:
    """Make the freshly imported postings look lived-in: publication dates spread over the last half
    year, deadlines on some needs, the region of the organization where the row has none, the demo
    user as author of their organization's postings, and the ``demo`` extras (confidential need with
    a public summary, open challenge with bounty and deadline)."""
    members = {user.organization_id: user for user in users.values() if user.has_role(model.manager_role)}
    postings = model.objects.select_related("organization").in_bulk(new_ids, field_name="external_id")
    now = timezone.now()
    today = timezone.localdate()
    for index, row in enumerate(rows):
        posting = postings.get(row["external_id"])
        if posting is None:
            continue
        posting.published_at = now - datetime.timedelta(days=2 + (index * 37) % 170, hours=(index * 5) % 11)
        posting.submitted_at = posting.published_at - datetime.timedelta(hours=20)
        posting.created_by = members.get(posting.organization_id)
        posting.region = posting.region or posting.organization.region
        extra = row.get("demo", {})
        if "deadline_days" in extra:
            posting.deadline = today + datetime.timedelta(days=extra["deadline_days"])
        elif model is TechnicalNeed and index % 3 == 0:
            posting.deadline = today + datetime.timedelta(days=90 + (index * 13) % 240)
        for field in ("confidential", "public_summary", "is_challenge", "challenge_bounty_wan"):
            if field in extra:
                setattr(posting, field, extra[field])
        if not posting.contact_name:  # demo contact details, revealed to the other side of an approved match
            posting.contact_name = DEMO_CONTACT_NAMES[index % len(DEMO_CONTACT_NAMES)]
            posting.contact_phone = f"0471-{6100000 + index * 7919 % 900000}"
            posting.contact_email = f"contact-{posting.external_id.lower()}@example.org"
        # the public text may have changed (confidential): index it again
        posting_services.posting_save(posting=posting)


def ensure_own_postings(rows: list[dict], *, users: dict[str, User]) -> None:
    """Drafts, pending and rejected postings of the demo users, made through the workflow services,
    so that "my postings" and the moderation queue have something in them."""
    clusters = {c.name_zh: c for c in IndustryCluster.objects.all()}
    modes = {m.name_zh: m for m in CooperationMode.objects.all()}
    for row in rows:
        model = MODELS[row["kind"]]
        if model.objects.filter(external_id=row["external_id"]).exists():
            continue
        owner = users[row["owner"]]
        data = {
            "external_id": row["external_id"],
            "title": row["title"],
            "description": row["description"],
            "keywords": row["keywords"],
            "cluster": clusters[row["cluster"]],
            "region": row.get("region", ""),
            "contact_name": owner.display_name,
            "contact_email": owner.email,
            "contact_phone": owner.phone or "0471-6200000",
        }
        if model is TechnicalNeed:
            data |= {"budget_min_wan": row.get("budget_min_wan"), "budget_max_wan": row.get("budget_max_wan")}
        else:
            data |= {
                "maturity": MATURITY_BY_CHINESE[row["maturity"]],
                "ip_type": IP_TYPE_BY_CHINESE[row.get("ip") or "无"],
                "price_wan": row.get("price_wan"),
                "lead_researcher": row.get("lead_researcher", ""),
            }
        posting = posting_services.posting_create(
            model=model, user=owner, data=data, cooperation_modes=[modes[m] for m in row["cooperation_modes"]]
        )
        if row["state"] in (PostingStatus.PENDING, PostingStatus.REJECTED):
            posting_services.posting_submit(posting=posting, user=owner)
        if row["state"] == PostingStatus.REJECTED:
            posting_services.posting_reject(posting=posting, user=users[Role.ADMIN], reason=row["rejection_reason"])
