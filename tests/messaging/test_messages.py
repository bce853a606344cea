"""Messages (在线洽谈): a thread per approved pair between the two sides and the responsible broker, with
attachments checked by content and served only to the thread's members, unread counts and an e-mail."""

import datetime
import pathlib

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from matching.models import Match
from mengkeju.deals import services as deal_services
from mengkeju.deals.models import Deal
from mengkeju.messaging import selectors, services
from mengkeju.messaging.models import Attachment, Message
from mengkeju.notifications.models import EmailOutbox, Notification, NotificationKind
from tests.factories import UserFactory
from tests.messaging.conftest import PDF, png_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

EVERYONE = ["anonymous", "owner", "colleague", "outsider", "researcher", "researcher_outsider", "broker", "admin"]
MEMBERS = {"owner", "colleague", "researcher", "broker"}


@pytest.fixture
def pair(proposal, broker):
    deal_services.match_approve(match=proposal, user=broker)
    return Match.objects.get(pk=proposal.pk)


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_message_with_a_pdf_reaches_the_other_side_and_the_broker(pair, owner, colleague, researcher, broker, admin):
    message = services.message_post(
        match=pair, user=owner, body="您好，想约下周二通话。", files=[upload("方案.pdf", PDF, "application/pdf")]
    )
    attachment = message.attachments.get()
    assert attachment.content_type == "application/pdf" and attachment.name == "方案.pdf"
    # stored through the storage API under MEDIA_ROOT, with a random name
    stored = pathlib.Path(attachment.file.path)
    assert stored.read_bytes() == PDF and "方案" not in stored.name and f"messages/{pair.pk}/" in attachment.file.name
    notified = set(Notification.objects.filter(kind=NotificationKind.NEW_MESSAGE).values_list("recipient", flat=True))
    assert notified == {colleague.pk, researcher.pk, broker.pk}  # not the author, not the admin
    mails = EmailOutbox.objects.filter(notification__kind=NotificationKind.NEW_MESSAGE)
    assert {m.to for m in mails} == {colleague.email, researcher.email, broker.email}
    assert "下周二" in mails.first().body and "/messages/" in mails.first().body


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("photo.png", png_bytes(), "image/png"),
        ("报价.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("looks-like.pdf", png_bytes(), "image/png"),  # the content decides, not the name
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, None),  # a Windows program named .pdf
        ("notes.txt", "纯文本内容".encode() * 10, None),
        ("page.html", b"<html><script>alert(1)</script></html>", None),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 100, None),
        ("empty.pdf", b"", None),
    ],
)
def test_attachment_type_is_checked_by_content(pair, owner, name, content, accepted):
    if accepted:
        message = services.message_post(
            match=pair, user=owner, body="", files=[upload(name, content, "application/pdf")]
        )
        assert message.attachments.get().content_type == accepted
    else:
        with pytest.raises(ValidationError) as caught:
            services.message_post(
                match=pair, user=owner, body="看附件", files=[upload(name, content, "application/pdf")]
            )
        assert name in " ".join(caught.value.message_dict["files"])
        assert not Attachment.objects.exists() and not Message.objects.exists()  # nothing half-sent


def test_attachment_size_limit(pair, owner, settings):
    settings.MESSAGE_ATTACHMENT_MAX_MB = 1
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as caught:
        services.message_post(match=pair, user=owner, body="大文件", files=[upload("big.pdf", big)])
    assert "big.pdf" in caught.value.message_dict["files"][0] and "1 MB" in caught.value.message_dict["files"][0]


def test_empty_message_and_too_many_files(pair, owner):
    with pytest.raises(ValidationError) as caught:
        services.message_post(match=pair, user=owner, body="  ", files=[])
    assert "body" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.message_post(match=pair, user=owner, body="多", files=[upload(f"{i}.pdf", PDF) for i in range(6)])
    assert "files" in caught.value.message_dict


def test_only_members_write(pair, outsider, admin, researcher_outsider):
    other_broker = UserFactory(role="broker")
    for user in (outsider, admin, researcher_outsider, other_broker):
        with pytest.raises(PermissionDenied):
            services.message_post(match=pair, user=user, body="你好")


def test_no_thread_before_approval(proposal, owner, client_for):
    with pytest.raises(PermissionDenied):
        services.message_post(match=proposal, user=owner, body="你好")
    assert client_for(owner).get(reverse("messaging:thread", args=[proposal.pk])).status_code == 404


@pytest.mark.parametrize("who", EVERYONE)
def test_thread_page_and_attachment_for_members_only(cast, client_for, pair, owner, who):
    message = services.message_post(match=pair, user=owner, body="附件见下", files=[upload("方案.pdf", PDF)])
    attachment = message.attachments.get()
    client = client_for(cast[who])
    page = client.get(reverse("messaging:thread", args=[pair.pk]))
    download = client.get(reverse("messaging:attachment", args=[attachment.pk]))
    if who == "anonymous":
        assert is_login_redirect(page) and is_login_redirect(download)
    elif who in MEMBERS:
        assert page.status_code == 200 and "附件见下" in page.content.decode()
        assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"].startswith("attachment")
        assert "private" in download["Cache-Control"]
    else:  # outsiders, other organizations, the admin (not a member): nothing, not even that it exists
        assert page.status_code == 404 and download.status_code == 404


def test_a_broker_who_is_not_responsible_reads_nothing_until_assigned(client_for, pair, owner, admin):
    other = UserFactory(role="broker")
    services.message_post(match=pair, user=owner, body="您好")
    assert client_for(other).get(reverse("messaging:thread", args=[pair.pk])).status_code == 404
    deal_services.deal_assign(match=pair, user=admin, broker=other)
    assert "您好" in client_for(other).get(reverse("messaging:thread", args=[pair.pk])).content.decode()


def test_no_public_media_url(pair, owner, client_for):
    message = services.message_post(match=pair, user=owner, body="", files=[upload("a.pdf", PDF)])
    name = message.attachments.get().file.name
    for prefix in ("/media/", "/"):
        assert client_for(owner).get(prefix + name).status_code == 404


def test_post_through_the_page_and_errors_at_the_field(client_for, pair, researcher):
    client = client_for(researcher)
    url = reverse("messaging:thread", args=[pair.pk])
    response = client.post(url, {"body": "这是我们的报价", "files": [upload("x.exe", b"MZ" + b"\x00" * 300)]})
    assert response.status_code == 400
    text = response.content.decode()
    assert "x.exe" in text and "errorlist" in text and "这是我们的报价" in text  # the text is kept
    response = client.post(url, {"body": "这是我们的报价", "files": [upload("报价.xlsx", xlsx_bytes())]})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "报价.xlsx" in page and "这是我们的报价" in page


def test_unread_counts_in_the_nav_board_and_match_page(client_for, pair, owner, researcher, broker):
    services.message_post(match=pair, user=owner, body="第一条")
    services.message_post(match=pair, user=owner, body="第二条")
    assert selectors.unread_count(user=researcher) == 2
    assert selectors.unread_count(user=owner) == 0  # one's own messages are read
    assert selectors.unread_by_match(user=broker, match_ids=[pair.pk]) == {pair.pk: 2}
    home = client_for(researcher).get("/").content.decode()
    assert 'class="messages-link"' in home and ">2</span>" in home.split('class="messages-link"')[1][:300]
    board = client_for(broker).get(reverse("deals:board")).content.decode()
    assert "unread-badge" in board
    client_for(researcher).get(reverse("messaging:thread", args=[pair.pk]))
    assert selectors.unread_count(user=researcher) == 0
    assert selectors.unread_count(user=broker) == 2
    inbox = client_for(broker).get(reverse("messaging:inbox")).content.decode()
    assert pair.need.title in inbox and "has-unread" in inbox


def test_a_message_keeps_the_deal_from_stalling(pair, owner, settings):
    settings.DEAL_STALLED_DAYS = 10
    start = datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC)
    Deal.objects.filter(match=pair).update(last_activity_at=start)
    with time_machine.travel(start + datetime.timedelta(days=8), tick=False):
        services.message_post(match=pair, user=owner, body="还在推进")
    with time_machine.travel(start + datetime.timedelta(days=12), tick=False):
        assert deal_services.deals_watch().reminded == 0
    with time_machine.travel(start + datetime.timedelta(days=19), tick=False):
        assert deal_services.deals_watch().reminded == 1


@pytest.mark.parametrize("who", EVERYONE)
def test_inbox_lists_only_ones_own_threads(cast, client_for, pair, owner, who):
    services.message_post(match=pair, user=owner, body="您好")
    response = client_for(cast[who]).get(reverse("messaging:inbox"))
    if who == "anonymous":
        assert is_login_redirect(response)
        return
    assert response.status_code == 200
    assert (pair.need.title in response.content.decode()) == (who in MEMBERS)
