"""The posting workflow as the people around a posting meet it: who is told of a moderator's decision and
in which words, which buttons each person gets, what a refused action says, the audit entry, the matcher
hooks, the view count, the contacts a new posting starts with, its sort key and region, and the expiry
sweep when someone else acts first."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from matching.models import MatchOutbox
from mengkeju.core.models import AuditLog, CooperationMode, IndustryCluster
from mengkeju.notifications.models import Notification, NotificationKind
from mengkeju.postings import services
from mengkeju.postings.models import PostingStatus as S
from mengkeju.postings.services import TransitionError
from mengkeju.regions.models import Division
from needs.models import TechnicalNeed
from tests.factories import NeedFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _english():
    """Messages and notifications read in English here (what the services say is what is translated)."""
    with translation.override("en"):
        yield


def _told(kind) -> dict:
    """username → (text, link) of each notification of ``kind``."""
    return {n.recipient.username: (n.text, n.url) for n in Notification.objects.filter(kind=kind)}


def _refusal(exc_info) -> list[str]:
    return [str(message) for message in exc_info.value.messages]


def _status(posting) -> str:
    return type(posting).objects.values_list("status", flat=True).get(pk=posting.pk)


# --- who is told of a moderator's decision ---------------------------------------------------------------


def test_an_approval_is_told_to_the_active_managing_members_of_the_organization_only(
    org_a, owner, colleague, outsider, admin
):
    UserFactory(username="former", organization=org_a, is_active=False)
    UserFactory(username="lab-member", organization=org_a, role="researcher")
    need = NeedFactory(organization=org_a, created_by=owner, status=S.PENDING, title="盐碱地改良")
    services.posting_approve(posting=need, user=admin)
    text = "Your technical need “盐碱地改良” was approved and is now public."
    url = need.get_absolute_url()
    assert _told(NotificationKind.POSTING_APPROVED) == {"owner": (text, url), "colleague": (text, url)}
    assert not Notification.objects.exclude(kind=NotificationKind.POSTING_APPROVED).exists()


def test_the_author_hears_of_the_decision_after_moving_to_another_organization(org_a, org_b, owner, colleague, admin):
    need = NeedFactory(organization=org_a, created_by=owner, status=S.PENDING, title="羊绒分梳")
    owner.organization = org_b
    owner.save()
    services.posting_approve(posting=need, user=admin)
    assert set(_told(NotificationKind.POSTING_APPROVED)) == {"owner", "colleague"}


def test_a_rejection_tells_the_owners_its_reason_without_surrounding_blanks(org_a, owner, admin):
    need = NeedFactory(organization=org_a, created_by=owner, status=S.PENDING, title="风电叶片回收")
    services.posting_reject(posting=need, user=admin, reason="  缺少技术指标 \n")
    text = "Your technical need “风电叶片回收” was not approved. Reason: 缺少技术指标"
    assert _told(NotificationKind.POSTING_REJECTED) == {"owner": (text, need.get_absolute_url())}
    assert not Notification.objects.filter(kind=NotificationKind.POSTING_APPROVED).exists()
    need.refresh_from_db()
    assert need.rejection_reason == "缺少技术指标"


def test_the_owners_own_actions_notify_nobody(org_a, owner, admin):
    need = NeedFactory(organization=org_a, created_by=owner, status=S.DRAFT)
    services.posting_submit(posting=need, user=owner)
    Notification.objects.all().delete()
    services.posting_approve(posting=need, user=admin)
    services.posting_close(posting=need, user=owner)
    services.posting_reopen(posting=need, user=owner)
    assert list(Notification.objects.values_list("kind", flat=True)) == [NotificationKind.POSTING_APPROVED]


# --- the buttons each person gets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "who", "actions"),
    [
        (S.DRAFT, "owner", ["submit"]),
        (S.DRAFT, "admin", []),
        (S.PENDING, "owner", []),
        (S.PENDING, "admin", ["approve", "reject"]),
        (S.PUBLISHED, "owner", ["close"]),
        (S.PUBLISHED, "admin", ["close"]),  # never "expire": the system expires
        (S.PUBLISHED, "outsider", []),
        (S.CLOSED, "colleague", ["reopen"]),
        (S.CLOSED, "admin", []),
        (S.REJECTED, "owner", []),  # edited, not resubmitted
        (S.EXPIRED, "owner", []),
    ],
)
def test_the_actions_offered_depend_on_status_and_person(cast, org_a, status, who, actions):
    need = NeedFactory(organization=org_a, status=status)
    assert services.allowed_actions(posting=need, user=cast[who]) == actions


def test_an_admin_closes_a_published_posting_of_any_organization(org_a, admin):
    need = NeedFactory(organization=org_a)
    services.posting_close(posting=need, user=admin)
    assert _status(need) == S.CLOSED
    assert AuditLog.objects.get(action="need.close").actor == admin


# --- what a refused action says ------------------------------------------------------------------------------


def test_a_refused_person_is_told_who_may_act(org_a, owner, outsider):
    with pytest.raises(PermissionDenied) as exc:
        services.posting_approve(posting=NeedFactory(organization=org_a, status=S.PENDING), user=owner)
    assert str(exc.value) == "Only platform admins can do this."
    with pytest.raises(PermissionDenied) as exc:
        services.posting_close(posting=NeedFactory(organization=org_a), user=outsider)
    assert str(exc.value) == "Only members of the owning organization can do this."


def test_an_action_the_status_does_not_allow_names_the_action_and_the_status(org_a, owner, admin):
    with pytest.raises(TransitionError) as exc:
        services.posting_reject(posting=NeedFactory(organization=org_a, status=S.DRAFT), user=admin, reason="重复")
    assert exc.value.code == "invalid_transition"
    assert _refusal(exc) == ["Cannot reject a posting that is Draft."]
    with pytest.raises(TransitionError) as exc:
        services.posting_reopen(posting=NeedFactory(organization=org_a), user=owner)
    assert _refusal(exc) == ["Cannot reopen a posting that is Published."]


def test_the_second_of_two_moderators_is_told_to_reload(org_a, admin):
    need = NeedFactory(organization=org_a, status=S.PENDING)
    stale = TechnicalNeed.objects.get(pk=need.pk)
    services.posting_approve(posting=need, user=admin)
    with pytest.raises(TransitionError) as exc:
        services.posting_reject(posting=stale, user=admin, reason="重复")
    assert exc.value.code == "conflict"
    assert _refusal(exc) == ["Someone else changed this posting in the meantime; reload the page and try again."]


def test_a_rejection_without_a_reason_asks_for_one(org_a, admin):
    need = NeedFactory(organization=org_a, status=S.PENDING)
    with pytest.raises(ValidationError) as exc:
        services.posting_reject(posting=need, user=admin, reason=" \t")
    assert exc.value.message_dict == {"reason": ["Give the owner a reason for the rejection."]}
    assert _status(need) == S.PENDING


def test_a_draft_without_contacts_is_not_submitted_and_each_missing_field_is_named(org_a, owner):
    need = NeedFactory(organization=org_a, status=S.DRAFT, contact_phone="", contact_email="  ")
    with pytest.raises(TransitionError) as exc:
        services.posting_submit(posting=need, user=owner)
    assert _refusal(exc) == [
        "Give a contact phone: the other side needs it after the introduction.",
        "Give a contact e-mail: the other side needs it after the introduction.",
    ]
    assert _status(need) == S.DRAFT


def test_an_outsider_learns_nothing_about_the_contacts_of_a_draft(org_a, outsider):
    need = NeedFactory(organization=org_a, status=S.DRAFT, contact_phone="")
    with pytest.raises(PermissionDenied):
        services.posting_submit(posting=need, user=outsider)


def test_a_posting_already_in_review_is_refused_for_its_status_not_its_contacts(org_a, owner):
    need = NeedFactory(organization=org_a, status=S.PENDING, contact_name="")
    with pytest.raises(TransitionError) as exc:
        services.posting_submit(posting=need, user=owner)
    assert exc.value.code == "invalid_transition"


# --- deadlines -----------------------------------------------------------------------------------------------


def test_a_posting_whose_deadline_is_today_is_approved_and_reopened(org_a, owner, admin):
    today = timezone.localdate()
    pending = NeedFactory(organization=org_a, status=S.PENDING, deadline=today)
    services.posting_approve(posting=pending, user=admin)
    closed = NeedFactory(organization=org_a, status=S.CLOSED, deadline=today)
    services.posting_reopen(posting=closed, user=owner)
    without_deadline = NeedFactory(organization=org_a, status=S.CLOSED, deadline=None)
    services.posting_reopen(posting=without_deadline, user=owner)
    assert {_status(pending), _status(closed), _status(without_deadline)} == {S.PUBLISHED}


def test_a_posting_past_its_deadline_says_what_to_do(org_a, owner, admin):
    yesterday = timezone.localdate() - DAY
    with pytest.raises(TransitionError) as exc:
        services.posting_approve(
            posting=NeedFactory(organization=org_a, status=S.PENDING, deadline=yesterday), user=admin
        )
    assert _refusal(exc) == ["The deadline of this posting has passed; the owner must extend it first."]
    closed = NeedFactory(organization=org_a, status=S.CLOSED, deadline=yesterday)
    with pytest.raises(TransitionError) as exc:
        services.posting_reopen(posting=closed, user=owner)
    assert exc.value.code == "deadline_passed"
    assert _refusal(exc) == ["The deadline has passed; edit the posting to extend it, then submit it again."]
    assert _status(closed) == S.CLOSED


# --- the audit entry, the other postings, the matcher ---------------------------------------------------------


def test_the_audit_entry_names_the_action_the_title_and_the_reason(org_a, admin):
    need = NeedFactory(organization=org_a, status=S.PENDING, title="牛羊肉冷链")
    services.posting_reject(posting=need, user=admin, reason=" 信息不全 ")
    entry = AuditLog.objects.get(target_id=need.pk)
    assert (entry.action, entry.actor, entry.summary, entry.note) == (
        "need.reject",
        admin,
        "reject: 牛羊肉冷链",
        " 信息不全 ",
    )


def test_an_approval_is_audited_without_a_note(org_a, admin):
    need = NeedFactory(organization=org_a, status=S.PENDING, title="牛羊肉冷链")
    services.posting_approve(posting=need, user=admin)
    entry = AuditLog.objects.get(target_id=need.pk)
    assert (entry.action, entry.summary, entry.note) == ("need.approve", "approve: 牛羊肉冷链", "")


def test_a_decision_changes_only_its_own_posting(org_a, admin):
    decided, other = (
        NeedFactory(organization=org_a, status=S.PENDING),
        NeedFactory(organization=org_a, status=S.PENDING),
    )
    services.posting_approve(posting=decided, user=admin)
    assert (_status(decided), _status(other)) == (S.PUBLISHED, S.PENDING)


def test_a_published_posting_is_handed_to_the_matcher_and_one_in_review_is_not(org_a, owner, admin):
    need = NeedFactory(organization=org_a, created_by=owner, status=S.DRAFT)
    services.posting_submit(posting=need, user=owner)
    assert not MatchOutbox.objects.exists()
    services.posting_approve(posting=need, user=admin)
    assert list(MatchOutbox.objects.values_list("kind", "posting_id")) == [("need", need.pk)]


# --- view count, contacts of a new posting, sort key and region -------------------------------------------------


def test_each_view_counts_once_on_its_own_posting(org_a):
    viewed, other = NeedFactory(organization=org_a), NeedFactory(organization=org_a)
    services.posting_count_view(posting=viewed)
    services.posting_count_view(posting=viewed)
    counts = dict(TechnicalNeed.objects.values_list("pk", "view_count"))
    assert (counts[viewed.pk], counts[other.pk]) == (2, 0)


def _create(user, **data):
    data = {"title": "马铃薯脱毒种薯", "description": "组培快繁。", "cluster": IndustryCluster.objects.first(), **data}
    return services.posting_create(model=TechnicalNeed, user=user, data=data)


def test_a_new_posting_takes_empty_contacts_from_the_posters_account(org_a):
    poster = UserFactory(
        username="poster",
        organization=org_a,
        display_name="王经理",
        first_name="伟",
        last_name="王",
        phone="0471-5555555",
    )
    need = _create(poster, contact_name="  ", contact_email="")
    assert (need.contact_name, need.contact_phone, need.contact_email) == (
        "王经理",
        "0471-5555555",
        "poster@example.com",
    )
    kept = _create(poster, contact_name="李工", contact_phone="0472-1234567")
    assert (kept.contact_name, kept.contact_phone) == ("李工", "0472-1234567")


def test_a_poster_without_display_name_gives_the_full_name_or_nothing(org_a):
    named = UserFactory(username="named", organization=org_a, display_name="", first_name="伟", last_name="王")
    assert _create(named).contact_name == named.get_full_name() != ""
    nameless = UserFactory(username="nameless", organization=org_a, display_name="")
    assert _create(nameless).contact_name == ""


def test_a_new_posting_keeps_its_cooperation_modes(owner):
    transfer = CooperationMode.objects.get(code="transfer")
    data = {"title": "光伏治沙", "description": "板下种植。", "cluster": IndustryCluster.objects.first()}
    need = services.posting_create(model=TechnicalNeed, user=owner, data=data, cooperation_modes=[transfer])
    assert list(TechnicalNeed.objects.get(pk=need.pk).cooperation_modes.all()) == [transfer]


def test_titles_sort_by_pinyin(owner, org_a):
    _create(owner, title="中药材种植")
    _create(owner, title="安全生产监测")
    NeedFactory(organization=org_a, title="智能温室")
    NeedFactory(organization=org_a, title="白绒山羊育种")
    titles = list(TechnicalNeed.objects.order_by("title_sort").values_list("title", flat=True))
    assert titles == ["安全生产监测", "白绒山羊育种", "智能温室", "中药材种植"]


def test_a_free_text_region_fills_the_division_unless_one_was_picked(owner, org_a):
    ordos, baotou = Division.objects.get(code="150600"), Division.objects.get(code="150200")
    assert _create(owner, region="鄂尔多斯").division == ordos
    assert _create(owner, region="鄂尔多斯", division=baotou).division == baotou
    assert _create(owner, region="").division is None
    made_directly = NeedFactory(organization=org_a, region="鄂尔多斯")  # stored by posting_reindex
    assert TechnicalNeed.objects.get(pk=made_directly.pk).division == ordos


def test_reindexing_stores_the_new_words_sort_key_and_division_of_that_posting_only(org_a):
    need, other = NeedFactory(organization=org_a, title="奶酪", region=""), NeedFactory(organization=org_a)
    old_sort_key, before = TechnicalNeed.objects.get(pk=need.pk).title_sort, TechnicalNeed.objects.get(pk=other.pk)
    need.title, need.region = "酸奶发酵菌种", "鄂尔多斯"
    TechnicalNeed.objects.filter(pk=need.pk).update(title=need.title, region=need.region)
    services.posting_reindex(posting=need)
    stored = TechnicalNeed.objects.get(pk=need.pk)
    assert "发酵" in stored.search_tokens.split()
    assert stored.title_sort and stored.title_sort != old_sort_key
    assert stored.division.code == "150600"
    after = TechnicalNeed.objects.get(pk=other.pk)
    assert (after.search_tokens, after.title_sort, after.division_id) == (
        before.search_tokens,
        before.title_sort,
        before.division_id,
    )


# --- the expiry sweep --------------------------------------------------------------------------------------


def test_the_sweep_skips_a_posting_someone_closed_meanwhile_and_counts_the_others(monkeypatch, org_a):
    due = [NeedFactory(organization=org_a, deadline=timezone.localdate() - DAY) for _ in range(3)]
    real_expire = services.posting_expire
    closed_first = []

    def expire_after_someone_closed_the_first(*, posting):
        if not closed_first:  # the owner closes it between the sweep's query and its update
            TechnicalNeed.objects.filter(pk=posting.pk).update(status=S.CLOSED)
            closed_first.append(posting.pk)
        return real_expire(posting=posting)

    monkeypatch.setattr(services, "posting_expire", expire_after_someone_closed_the_first)
    assert services.postings_expire_due(model=TechnicalNeed) == 2
    statuses = dict(TechnicalNeed.objects.values_list("pk", "status"))
    assert statuses == {p.pk: S.CLOSED if p.pk in closed_first else S.EXPIRED for p in due}
    assert AuditLog.objects.filter(action="need.expire", actor=None).count() == 2
