"""The posting workflow through its services: legal and illegal transitions, for needs and achievements.

draft → pending → published ↔ closed; pending → rejected (reason required; editing returns it to draft);
editing a published posting sends it back to review.
"""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from achievements.models import Achievement
from mengkeju.core.models import AuditLog, CooperationMode, IndustryCluster
from mengkeju.postings import services
from mengkeju.postings.models import PostingStatus as S
from mengkeju.postings.services import TransitionError
from needs.models import TechnicalNeed
from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["need", "achievement"])
def side(request, owner, researcher):
    """(model, the managing user) for each side of the platform: the workflow is the same."""
    if request.param == "need":
        return TechnicalNeed, owner
    return Achievement, researcher


def _draft(model, user, **extra):
    data = {
        "title": "高纯颗粒硅制备",
        "description": "流化床法颗粒硅生产中的氢气回收与能耗降低。",
        "keywords": ["颗粒硅", "流化床"],
        "cluster": IndustryCluster.objects.get(code="new-energy"),
        **extra,
    }
    return services.posting_create(
        model=model, user=user, data=data, cooperation_modes=[CooperationMode.objects.get(code="transfer")]
    )


def _status(posting) -> str:
    return type(posting).objects.values_list("status", flat=True).get(pk=posting.pk)


def test_full_happy_path(side, admin):
    model, user = side
    posting = _draft(model, user)
    assert posting.status == S.DRAFT and posting.organization == user.organization
    assert "颗粒硅" in posting.search_tokens.split()

    services.posting_submit(posting=posting, user=user)
    assert _status(posting) == S.PENDING and posting.submitted_at is not None

    services.posting_approve(posting=posting, user=admin)
    assert _status(posting) == S.PUBLISHED and posting.published_at is not None

    services.posting_close(posting=posting, user=user)
    assert _status(posting) == S.CLOSED and posting.closed_at is not None

    services.posting_reopen(posting=posting, user=user)
    assert _status(posting) == S.PUBLISHED and posting.closed_at is None

    actions = list(
        AuditLog.objects.filter(target_id=posting.pk, action__startswith=f"{model.kind}.")
        .order_by("id")
        .values_list("action", "actor")
    )
    assert actions == [
        (f"{model.kind}.submit", user.pk),
        (f"{model.kind}.approve", admin.pk),
        (f"{model.kind}.close", user.pk),
        (f"{model.kind}.reopen", user.pk),
    ]


def test_a_colleague_manages_the_same_postings(owner, colleague, admin):
    need = _draft(TechnicalNeed, owner)
    services.posting_submit(posting=need, user=colleague)
    services.posting_approve(posting=need, user=admin)
    services.posting_close(posting=need, user=colleague)
    assert _status(need) == S.CLOSED


def test_a_draft_cannot_be_published_directly(side, admin):
    model, user = side
    posting = _draft(model, user)
    with pytest.raises(TransitionError) as exc:
        services.posting_approve(posting=posting, user=admin)
    assert exc.value.code == "invalid_transition"
    assert "Draft" in exc.value.messages[0] or "草稿" in exc.value.messages[0]
    assert _status(posting) == S.DRAFT


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (S.PUBLISHED, "submit"),
        (S.PENDING, "submit"),
        (S.DRAFT, "close"),
        (S.PENDING, "close"),
        (S.PUBLISHED, "reopen"),
        (S.DRAFT, "reopen"),
        (S.CLOSED, "approve"),
        (S.REJECTED, "approve"),
        (S.PUBLISHED, "approve"),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(start, action, owner, admin, org_a):
    need = NeedFactory(organization=org_a, status=start)
    service = getattr(services, f"posting_{action}")
    user = admin if action == "approve" else owner
    with pytest.raises(TransitionError) as exc:
        service(posting=need, user=user)
    assert exc.value.code == "invalid_transition"
    assert _status(need) == start
    assert not AuditLog.objects.filter(target_id=need.pk).exists()


def test_only_admins_moderate(owner, colleague, outsider, broker, researcher, org_a):
    need = NeedFactory(organization=org_a, status=S.PENDING)
    for user in (owner, colleague, outsider, broker, researcher):
        with pytest.raises(PermissionDenied):
            services.posting_approve(posting=need, user=user)
        with pytest.raises(PermissionDenied):
            services.posting_reject(posting=need, user=user, reason="不行")
    assert _status(need) == S.PENDING


def test_other_organizations_cannot_touch_a_posting(outsider, researcher, broker, admin, org_a):
    need = NeedFactory(organization=org_a, status=S.PUBLISHED, title="企业A的需求")
    for user in (outsider, researcher, broker):
        with pytest.raises(PermissionDenied):
            services.posting_update(posting=need, user=user, data={"title": "被改了"})
        with pytest.raises(PermissionDenied):
            services.posting_close(posting=need, user=user)
    # an admin moderates but does not write other people's postings
    with pytest.raises(PermissionDenied):
        services.posting_update(posting=need, user=admin, data={"title": "被改了"})
    need.refresh_from_db()
    assert (need.title, need.status) == ("企业A的需求", S.PUBLISHED)

    draft = NeedFactory(organization=org_a, status=S.DRAFT)
    with pytest.raises(PermissionDenied):
        services.posting_submit(posting=draft, user=outsider)
    assert _status(draft) == S.DRAFT


def test_wrong_role_cannot_create(owner, researcher, broker, admin):
    with pytest.raises(PermissionDenied):
        _draft(Achievement, owner)
    with pytest.raises(PermissionDenied):
        _draft(TechnicalNeed, researcher)
    for user in (broker, admin):  # no organization to post for
        with pytest.raises(PermissionDenied):
            _draft(TechnicalNeed, user)
    assert not TechnicalNeed.objects.exists() and not Achievement.objects.exists()


def test_reject_needs_a_reason_and_editing_returns_to_draft(side, admin):
    model, user = side
    posting = _draft(model, user)
    services.posting_submit(posting=posting, user=user)

    with pytest.raises(ValidationError) as exc:
        services.posting_reject(posting=posting, user=admin, reason="   ")
    assert "reason" in exc.value.message_dict
    assert _status(posting) == S.PENDING

    services.posting_reject(posting=posting, user=admin, reason="缺少技术指标")
    posting.refresh_from_db()
    assert (posting.status, posting.rejection_reason) == (S.REJECTED, "缺少技术指标")

    services.posting_update(posting=posting, user=user, data={"description": "补充：纯度 ≥ 99.9999%。"})
    posting.refresh_from_db()
    assert posting.status == S.DRAFT
    services.posting_submit(posting=posting, user=user)
    services.posting_approve(posting=posting, user=admin)
    posting.refresh_from_db()
    assert (posting.status, posting.rejection_reason) == (S.PUBLISHED, "")


def test_editing_a_published_posting_sends_it_back_to_review(side, admin):
    model, user = side
    posting = _draft(model, user)
    services.posting_submit(posting=posting, user=user)
    services.posting_approve(posting=posting, user=admin)

    services.posting_update(posting=posting, user=user, data={"title": "高纯颗粒硅制备（修订）"})
    posting.refresh_from_db()
    assert posting.status == S.PENDING
    assert posting.title == "高纯颗粒硅制备（修订）"
    assert "修订" in posting.search_tokens.split()
    assert AuditLog.objects.filter(action=f"{model.kind}.resubmit", target_id=posting.pk).count() == 1


@pytest.mark.parametrize("status", [S.PENDING, S.CLOSED, S.EXPIRED])
def test_postings_in_review_or_closed_cannot_be_edited(status, owner, org_a):
    need = NeedFactory(organization=org_a, status=status, title="原标题")
    with pytest.raises(TransitionError) as exc:
        services.posting_update(posting=need, user=owner, data={"title": "新标题"})
    assert exc.value.code == "not_editable"
    need.refresh_from_db()
    assert (need.title, need.status) == ("原标题", status)


def test_invalid_data_is_refused_with_field_errors(owner):
    with pytest.raises(ValidationError) as exc:
        _draft(TechnicalNeed, owner, budget_min_wan=100, budget_max_wan=10)
    assert "budget_max_wan" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _draft(TechnicalNeed, owner, confidential=True, public_summary="")
    assert "public_summary" in exc.value.message_dict
    assert not TechnicalNeed.objects.exists()


def test_a_posting_past_its_deadline_is_not_approved(owner, admin, org_a):
    need = NeedFactory(organization=org_a, status=S.PENDING, deadline=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(TransitionError) as exc:
        services.posting_approve(posting=need, user=admin)
    assert exc.value.code == "deadline_passed"
    assert _status(need) == S.PENDING


def test_second_approval_of_the_same_posting_conflicts(owner, admin, org_a):
    """Two admins open the same pending posting; the one who clicks second gets a clear error."""
    need = NeedFactory(organization=org_a, status=S.PENDING)
    first, second = TechnicalNeed.objects.get(pk=need.pk), TechnicalNeed.objects.get(pk=need.pk)
    services.posting_approve(posting=first, user=admin)
    with pytest.raises(TransitionError) as exc:
        services.posting_approve(posting=second, user=admin)
    assert exc.value.code == "conflict"
    assert AuditLog.objects.filter(action="need.approve", target_id=need.pk).count() == 1

    # and an approval racing a rejection: exactly one decision stands
    other = NeedFactory(organization=org_a, status=S.PENDING)
    a, b = TechnicalNeed.objects.get(pk=other.pk), TechnicalNeed.objects.get(pk=other.pk)
    services.posting_reject(posting=a, user=admin, reason="重复发布")
    with pytest.raises(TransitionError):
        services.posting_approve(posting=b, user=admin)
    assert _status(other) == S.REJECTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_on_postgresql_only_one_wins(owner, admin, org_a):
    need = NeedFactory(organization=org_a, status=S.PENDING)
    barrier = threading.Barrier(4)
    outcomes = []

    def approve():
        try:
            posting = TechnicalNeed.objects.get(pk=need.pk)
            barrier.wait(timeout=10)
            services.posting_approve(posting=posting, user=admin)
            outcomes.append("approved")
        except TransitionError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved", "conflict", "conflict", "conflict"]
    assert _status(need) == S.PUBLISHED
    assert AuditLog.objects.filter(action="need.approve", target_id=need.pk).count() == 1
