"""factory_boy factories for the whole suite (the cast of users is built from these in tests/conftest.py).

- ``credit_code(n)`` — the n-th valid 18-character unified social credit code (check character computed).
- ``OrganizationFactory`` (enterprise with a valid credit code), ``UniversityFactory``.
- ``UserFactory(role=Role.ENTERPRISE, organization=...)`` — password ``PASSWORD``; ``role=""`` for none.
- ``NeedFactory`` / ``AchievementFactory`` — rows written directly (no service call, no matcher hook),
  with ``search_tokens`` computed as the services do. ``status`` defaults to *published* and fills the
  matching timestamps; ``cooperation_modes=["transfer", ...]`` takes mode codes or objects;
  ``cluster="new-materials"`` takes a cluster code or object.

To go through the real workflow (audit log, matcher hooks) use ``publish(posting, admin)`` or the
services in ``mengkeju.postings.services`` directly.
"""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from achievements.models import Achievement, Maturity
from mengkeju.core.models import CooperationMode, IndustryCluster, Organization, Role, User
from mengkeju.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_character
from mengkeju.postings import services
from mengkeju.postings.models import PostingStatus
from needs.models import TechnicalNeed

PASSWORD = "Mengkeju-test-2026"


def credit_code(n: int, *, region: str = "150100") -> str:
    """A valid unified social credit code, different for every ``n`` (region: Hohhot by default)."""
    serial = ""
    for _ in range(9):
        n, digit = divmod(n, len(CREDIT_CODE_ALPHABET))
        serial = CREDIT_CODE_ALPHABET[digit] + serial
    first17 = f"91{region}{serial}"
    return first17 + credit_code_check_character(first17)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    kind = Organization.Kind.ENTERPRISE
    name = factory.Sequence(lambda n: f"内蒙古测试企业{n}有限公司")
    region = "内蒙古自治区呼和浩特市"
    credit_code = factory.Sequence(lambda n: credit_code(1000 + n))
    verified = True


class UniversityFactory(OrganizationFactory):
    kind = Organization.Kind.UNIVERSITY
    name = factory.Sequence(lambda n: f"测试大学{n}")
    credit_code = ""


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.LazyAttribute(lambda u: u.username)
    phone = "0471-3333333"
    password = factory.django.Password(PASSWORD)
    organization = None

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """``role=Role.ENTERPRISE`` (the default), ``Role.RESEARCHER``, ``Role.BROKER``, ``Role.ADMIN``; "" for none."""
        role = Role.ENTERPRISE if extracted is None else extracted
        if create and role:
            self.groups.add(Group.objects.get(name=role))
            if role == Role.ADMIN and not self.is_staff:
                self.is_staff = True
                self.save(update_fields=["is_staff"])
        if hasattr(self, "_roles_cache"):
            del self._roles_cache


def _cluster(value) -> IndustryCluster:
    return value if isinstance(value, IndustryCluster) else IndustryCluster.objects.get(code=value)


class _PostingFactory(DjangoModelFactory):
    class Meta:
        abstract = True
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"测试发布{n}")
    description = "用于测试的发布内容。"
    keywords = factory.LazyFunction(list)
    cluster = "new-materials"
    region = "呼和浩特"
    contact_name = "联系人"
    contact_phone = "0471-0000000"
    contact_email = "contact@example.com"
    status = PostingStatus.PUBLISHED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs["cluster"] = _cluster(kwargs["cluster"])
        now = timezone.now()
        status = kwargs["status"]
        if status != PostingStatus.DRAFT:
            kwargs.setdefault("submitted_at", now - datetime.timedelta(hours=1))
        if status in (PostingStatus.PUBLISHED, PostingStatus.CLOSED, PostingStatus.EXPIRED):
            kwargs.setdefault("published_at", now)
        if status in (PostingStatus.CLOSED, PostingStatus.EXPIRED):
            kwargs.setdefault("closed_at", now)
        if status == PostingStatus.REJECTED:
            kwargs.setdefault("rejection_reason", "信息不完整")
        posting = super()._create(model_class, *args, **kwargs)
        services.posting_reindex(posting=posting)
        posting.refresh_from_db(fields=["search_tokens"])
        return posting

    @factory.post_generation
    def cooperation_modes(self, create, extracted, **kwargs):
        if create and extracted:
            self.cooperation_modes.set(
                [m if isinstance(m, CooperationMode) else CooperationMode.objects.get(code=m) for m in extracted]
            )


class NeedFactory(_PostingFactory):
    class Meta:
        model = TechnicalNeed

    title = factory.Sequence(lambda n: f"技术需求{n}")
    organization = factory.SubFactory(OrganizationFactory)


class AchievementFactory(_PostingFactory):
    class Meta:
        model = Achievement

    title = factory.Sequence(lambda n: f"科技成果{n}")
    organization = factory.SubFactory(UniversityFactory)
    maturity = Maturity.PILOT


def publish(posting, admin):
    """Draft (or rejected, after an edit) → pending → published through the real services."""
    owner = posting.created_by or posting.organization.members.first()
    services.posting_submit(posting=posting, user=owner)
    return services.posting_approve(posting=posting, user=admin)
