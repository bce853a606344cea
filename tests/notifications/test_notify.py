"""Everyone hears about what concerns them, in the app and by e-mail in their own language."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from matching.models import DealStage, MatchStatus
from mengkeju.core import services as core_services
from mengkeju.deals import services as deal_services
from mengkeju.deals.models import ChallengeEntry
from mengkeju.notifications.models import EmailOutbox, Notification, NotificationKind
from mengkeju.notifications.services import notify
from mengkeju.postings import services as posting_services
from mengkeju.postings.models import PostingStatus
from tests.factories import PASSWORD, AchievementFactory, NeedFactory, UniversityFactory, UserFactory

pytestmark = pytest.mark.django_db


def mails_to(user):
    return list(EmailOutbox.objects.filter(to=user.email).order_by("id"))


def kinds_of(user):
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True))


@override_settings(SITE_URL="https://mengkeju.example.cn")
def test_each_recipient_gets_the_mail_in_their_own_language(owner, colleague):
    colleague.language = "en"
    colleague.save()
    notify(
        recipients=[owner, colleague],
        kind=NotificationKind.DEAL_STAGE,
        data={"need": "需求甲", "achievement": "成果乙", "stage": DealStage.NEGOTIATING},
        url="/deals/7/",
    )
    [zh] = mails_to(owner)
    [en] = mails_to(colleague)
    assert zh.subject == "【蒙科聚】对接有新进展" and "洽谈中" in zh.body
    assert en.subject == "[Mengkeju] Deal moved on" and "Negotiating" in en.body
    for row in (zh, en):
        assert "negotiating" not in row.body
        assert "https://mengkeju.example.cn/deals/7/" in row.body
        assert "https://mengkeju.example.cn/accounts/profile/" in row.body
    assert "Hello" in en.body and "Hello" not in zh.body


@override_settings(SITE_URL="https://mengkeju.example.cn/")
def test_mail_links_are_made_absolute_once_and_paragraphs_are_separated(owner):
    owner.language = "en"
    owner.save()
    notify(recipients=[owner], kind=NotificationKind.DEAL_STAGE, data={"stage": DealStage.CONTACTED}, url="/deals/7/")
    notify(recipients=[owner], kind=NotificationKind.DEAL_STAGE, data={}, url="https://elsewhere.example/x/")
    first, second = mails_to(owner)
    assert "https://mengkeju.example.cn/deals/7/" in first.body and ".cn//" not in first.body
    assert "https://elsewhere.example/x/" in second.body and "cnhttps" not in second.body
    paragraphs = first.body.split("\n\n")
    assert paragraphs[0] == f"Hello {owner},"
    assert paragraphs[-1] == "— Mengkeju technology transfer platform"


def test_in_app_text_speaks_the_viewers_language_and_never_shows_a_stage_code(owner, client_for):
    notify(
        recipients=[owner],
        kind=NotificationKind.DEAL_STAGE,
        data={"need": "需求甲", "achievement": "成果乙", "stage": "negotiating"},
        email=False,
    )
    page = client_for(owner).get(reverse("notifications:list")).content.decode()
    assert "洽谈中" in page and "negotiating" not in page
    [n] = Notification.objects.filter(recipient=owner)
    with translation.override("en"):
        assert "Negotiating" in n.text and n.get_kind_display() == "Deal moved on"


def test_an_unknown_kind_does_not_break_the_list(owner, client_for):
    Notification.objects.create(recipient=owner, kind="something_new", data={"text": "老通知"})
    assert client_for(owner).get(reverse("notifications:list")).status_code == 200


def test_posting_approved_and_rejected_with_the_reason(owner, colleague, admin, org_a):
    need = NeedFactory(organization=org_a, created_by=owner, status=PostingStatus.PENDING, title="氢能储运需求")
    posting_services.posting_reject(posting=need, user=admin, reason="缺少预算范围")
    assert kinds_of(owner) == [NotificationKind.POSTING_REJECTED]
    assert kinds_of(colleague) == [NotificationKind.POSTING_REJECTED]  # both manage the posting
    [mail] = mails_to(owner)
    assert "缺少预算范围" in mail.body and "氢能储运需求" in mail.body and "技术需求" in mail.body
    other = NeedFactory(organization=org_a, created_by=owner, status=PostingStatus.PENDING, title="煤化工废水需求")
    posting_services.posting_approve(posting=other, user=admin)
    assert kinds_of(owner)[-1] == NotificationKind.POSTING_APPROVED
    assert "“煤化工废水需求”已通过审核，现已公开" in mails_to(owner)[-1].body


def test_submitting_is_not_notified(owner, org_a):
    need = NeedFactory(organization=org_a, created_by=owner, status=PostingStatus.DRAFT)
    posting_services.posting_submit(posting=need, user=owner)
    assert kinds_of(owner) == []


def test_organization_verified_tells_its_members(admin):
    uni = UniversityFactory(verified=False)
    member = UserFactory(organization=uni, role="researcher", language="en")
    core_services.organization_verify(organization=uni, actor=admin)
    assert kinds_of(member) == [NotificationKind.ORGANIZATION_VERIFIED]
    assert "verified" in mails_to(member)[0].body


def test_membership_approved_and_refused(admin, org_a):
    joiner = UserFactory(requested_organization=org_a)
    core_services.membership_approve(user=joiner, actor=admin)
    refused = UserFactory(requested_organization=org_a)
    core_services.membership_reject(user=refused, actor=admin, note="请用单位邮箱重新申请")
    assert kinds_of(joiner) == [NotificationKind.MEMBERSHIP_APPROVED]
    assert kinds_of(refused) == [NotificationKind.MEMBERSHIP_REFUSED]
    assert "请用单位邮箱重新申请" in mails_to(refused)[0].body and org_a.name in mails_to(refused)[0].body


def test_interest_reaches_the_other_side_and_the_brokers(need, achievement, owner, researcher, broker, colleague):
    deal_services.interest_express(user=researcher, posting=need, counterpart=achievement, message="愿意合作")
    assert kinds_of(owner) == [NotificationKind.INTEREST_RECEIVED]
    assert kinds_of(colleague) == [NotificationKind.INTEREST_RECEIVED]
    assert kinds_of(broker) == [NotificationKind.INTEREST_RECEIVED]
    assert kinds_of(researcher) == []  # not told about their own interest
    assert achievement.organization.name in mails_to(owner)[0].body


def test_challenge_entry_and_winner(org_a, owner, researcher, researcher_outsider):
    challenge = NeedFactory(
        organization=org_a,
        created_by=owner,
        is_challenge=True,
        challenge_bounty_wan=50,
        deadline=datetime.date.today() + datetime.timedelta(days=30),
    )
    mine = AchievementFactory(organization=researcher.organization, created_by=researcher)
    theirs = AchievementFactory(organization=researcher_outsider.organization, created_by=researcher_outsider)
    entry = deal_services.challenge_enter(user=researcher, need=challenge, achievement=mine, proposal="三个月完成")
    deal_services.challenge_enter(user=researcher_outsider, need=challenge, achievement=theirs, proposal="两个月")
    assert kinds_of(owner) == [NotificationKind.CHALLENGE_ENTRY] * 2
    match = deal_services.challenge_choose(user=owner, entry=entry)
    assert match.status == MatchStatus.APPROVED
    assert kinds_of(researcher) == [NotificationKind.CHALLENGE_CHOSEN]
    assert kinds_of(researcher_outsider) == [NotificationKind.CHALLENGE_WINNER]
    assert researcher.organization.name in mails_to(researcher_outsider)[0].body
    assert ChallengeEntry.objects.get(pk=entry.pk).status == ChallengeEntry.Status.CHOSEN


def test_stage_change_is_mailed_with_the_stage_in_words(proposal, broker, owner, researcher):
    deal_services.match_approve(match=proposal, user=broker)
    deal_services.deal_stage_move(match=proposal, user=broker, stage=DealStage.NEGOTIATING)
    body = mails_to(owner)[-1].body
    assert "洽谈中" in body and "negotiating" not in body
    assert kinds_of(researcher)[-1] == NotificationKind.DEAL_STAGE


def test_login_switches_to_the_users_language_and_the_profile_sets_it(owner):
    owner.language = "en"
    owner.save()
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Profile" in client.get(reverse("accounts:profile")).content.decode()
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "王", "email": owner.email, "phone": "", "title": "", "language": "zh-hans"},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.language == "zh-hans"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"


def test_profile_language_choice_has_a_plain_default(owner, client_for):
    page = client_for(owner).get(reverse("accounts:profile")).content.decode()
    assert "平台默认（简体中文）" in page or "平台默认 (简体中文)" in page
    assert "---------" not in page


def test_each_active_recipient_is_told_once_and_one_without_an_address_does_not_stop_the_others_mail(
    owner, colleague, django_capture_on_commit_callbacks
):
    no_address = UserFactory(username="no-address", email="")
    inactive = UserFactory(username="inactive", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        notes = notify(
            recipients=[no_address, None, owner, inactive, colleague, owner], kind=NotificationKind.DEAL_STAGE, data={}
        )
    assert sorted(n.recipient.username for n in notes) == ["colleague", "no-address", "owner"]
    assert kinds_of(inactive) == [] and mails_to(inactive) == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, colleague.email])  # sent after the commit


def test_a_notification_without_a_link_has_none_in_the_app_or_the_mail(owner):
    [note] = notify(recipients=[owner], kind=NotificationKind.DEAL_STAGE, data={})
    assert Notification.objects.get(pk=note.pk).url == ""
    assert "请在平台上查看" not in mails_to(owner)[0].body
