"""The e-mail a notification becomes, word for word, in both languages; and the request id an outbox row
keeps. Without the database (mengkeju.notifications.services): test_notify.py sends the same mail
through ``notify``."""

import pytest
from django.test import override_settings

from mengkeju.lib.logs import request_id_var
from mengkeju.notifications.models import NotificationKind
from mengkeju.notifications.services import _mail, absolute_url, current_request_id

SITE = "https://mengkeju.example.cn"
APPROVED = {"need": "需求甲", "achievement": "成果乙"}


@pytest.fixture(autouse=True)
def _site():
    with override_settings(SITE_URL=SITE + "/"):
        yield


def test_an_english_mail_greets_says_what_happened_and_links_the_page_and_the_profile():
    subject, body = _mail(NotificationKind.MATCH_APPROVED, APPROVED, "/deals/7/", "en", name="王经理")
    assert subject == "[Mengkeju] Introduction approved"
    assert body.split("\n\n") == [
        "Hello 王经理,",
        "A broker introduced “需求甲” and “成果乙”: you can now see each other's contact details.",
        f"Open it on the platform: {SITE}/deals/7/",
        f"You can change the language of these e-mails on your profile: {SITE}/accounts/profile/",
        "— Mengkeju technology transfer platform",
    ]


def test_a_chinese_mail_says_the_same_in_chinese():
    subject, body = _mail(NotificationKind.MATCH_APPROVED, APPROVED, "/deals/7/", "zh-hans", name="王经理")
    assert subject == "【蒙科聚】引荐已通过"
    assert body.split("\n\n") == [
        "王经理，您好：",
        "技术经纪人已为“需求甲”与“成果乙”完成引荐，双方现在可以查看彼此的联系方式。",
        f"请在平台上查看：{SITE}/deals/7/",
        f"如需更改邮件语言，请到个人资料页设置：{SITE}/accounts/profile/",
        "——蒙科聚科技成果转化平台",
    ]


@pytest.mark.parametrize(
    "language, text, profile",
    [
        ("en", "A broker introduced “…” and “…”", "You can change the language of these e-mails on your profile"),
        ("zh-hans", "技术经纪人已为“…”与“…”完成引荐", "如需更改邮件语言，请到个人资料页设置"),
    ],
)
def test_a_mail_without_a_link_or_a_name_has_no_link_line_and_no_greeting(language, text, profile):
    _, body = _mail(NotificationKind.MATCH_APPROVED, {}, "", language)
    paragraphs = body.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith(text) and paragraphs[1].startswith(profile)


def test_a_kind_the_mail_does_not_know_is_a_notification_with_its_text_and_an_outside_link_kept():
    subject, body = _mail("something_new", {"text": "老通知"}, "https://elsewhere.example/x/", "en")
    assert subject == "[Mengkeju] Notification"
    assert body.split("\n\n")[:2] == ["老通知", "Open it on the platform: https://elsewhere.example/x/"]


@pytest.mark.parametrize("site", [SITE, SITE + "/", SITE + "//"])
def test_a_site_path_is_made_absolute_with_one_slash_and_an_address_is_kept(site):
    with override_settings(SITE_URL=site):
        assert absolute_url("/deals/7/") == f"{SITE}/deals/7/"
        assert absolute_url("https://elsewhere.example/x/") == "https://elsewhere.example/x/"
        assert absolute_url("deals/7/") == "deals/7/"


@pytest.mark.parametrize("value, stored", [("-", ""), ("req-4f2a", "req-4f2a"), ("r" * 70, "r" * 64), ("", "")])
def test_the_request_id_kept_on_a_row_is_the_current_ones_at_most_64_characters(value, stored):
    token = request_id_var.set(value)
    try:
        assert current_request_id() == stored
    finally:
        request_id_var.reset(token)
    assert current_request_id() == ""  # outside a request
