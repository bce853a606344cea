"""Saved searches and their digests: saving from the library, the list page, the daily/weekly digest
(with a fixed clock) that never sends a posting twice, one-click unsubscribe without login, and the
visitor's call to action and "similar postings" panel on detail pages."""

import datetime
import re
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mengkeju.core.models import IndustryCluster, User
from mengkeju.notifications.models import EmailOutbox, Notification, NotificationKind
from mengkeju.savedsearches import services
from mengkeju.savedsearches.models import SavedSearch, SavedSearchHit
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))
DAY0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday


def at(days: float, hours: float = 0) -> datetime.datetime:
    return DAY0 + datetime.timedelta(days=days, hours=hours)


def _cluster(code):
    return IndustryCluster.objects.get(code=code).pk


# --- saving from the library ---------------------------------------------------------------------


def test_a_visitor_is_asked_to_log_in_to_save_a_search(client_for, anonymous):
    page = client_for(anonymous).get(reverse("needs:library"), {"q": "颗粒硅"}).content.decode()
    assert 'id="save-search-cta"' in page and 'id="save-search"' not in page
    assert reverse("accounts:login") + "?next=/needs/%3Fq%3D" in page
    response = client_for(anonymous).post(reverse("savedsearches:create"), {"kind": "need", "query": "q=x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not SavedSearch.objects.exists()


def test_a_signed_in_user_saves_the_library_query_and_lists_it(client_for, outsider, owner):
    client = client_for(outsider)
    query = {"q": "颗粒硅", "cluster": _cluster("new-energy"), "page": "2", "budget_max": "", "nonsense": "1"}
    page = client.get(reverse("needs:library"), query).content.decode()
    form = re.search(r'<form method="post" action="/searches/save/".*?</form>', page, re.S).group(0)
    saved_query = re.search(r'name="query" value="([^"]*)"', form).group(1).replace("&amp;", "&")
    response = client.post(
        reverse("savedsearches:create"),
        {"kind": "need", "query": saved_query, "name": "", "frequency": "daily"},
    )
    search = SavedSearch.objects.get(user=outsider)
    assert search.params == {"cluster": [str(_cluster("new-energy"))], "q": ["颗粒硅"]}  # no page, no junk
    assert search.frequency == "daily" and search.active and "颗粒硅" in search.name
    assert response.status_code == 302 and response["Location"].startswith(reverse("needs:library") + "?")
    listing = client.get(reverse("savedsearches:list")).content.decode()
    assert search.name in listing
    # another user sees nothing of it and cannot delete it
    assert search.name not in client_for(owner).get(reverse("savedsearches:list")).content.decode()
    assert client_for(owner).post(reverse("savedsearches:delete", args=[search.pk])).status_code == 404
    assert client_for(owner).post(reverse("savedsearches:update", args=[search.pk])).status_code == 404
    # the owner changes it, then deletes it
    client.post(reverse("savedsearches:update", args=[search.pk]), {"frequency": "weekly"})
    search.refresh_from_db()
    assert (search.frequency, search.active) == ("weekly", False)
    assert client.post(reverse("savedsearches:delete", args=[search.pk])).status_code == 302
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    "post",
    [{"kind": "deal", "query": "q=x"}, {"kind": "need", "query": "q=x", "frequency": "hourly"}, {}],
)
def test_bad_save_requests_are_refused_with_a_message(post, client_for, outsider):
    response = client_for(outsider).post(reverse("savedsearches:create"), post, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]]
    assert not SavedSearch.objects.exists()


def test_the_list_and_save_pages_need_a_login(client_for, anonymous):
    assert client_for(anonymous).get(reverse("savedsearches:list")).status_code == 302
    assert client_for(anonymous).get(reverse("savedsearches:create")).status_code == 302


# --- digests --------------------------------------------------------------------------------------


@pytest.fixture
def alert(outsider):
    with time_machine.travel(at(0), tick=False):
        return services.saved_search_create(
            user=outsider, kind="need", query={"q": ["颗粒硅"]}, name="颗粒硅需求", frequency="daily"
        )


def need(org, title, published, **kwargs):
    return NeedFactory(organization=org, title=title, published_at=published, **kwargs)


def digests(now):
    """The beat task's service run with the clock at ``now``."""
    with time_machine.travel(now, tick=False):
        return services.saved_search_digests_send(now=timezone.now())


def test_the_daily_digest_sends_new_matching_postings_once(alert, outsider, org_a):
    need(org_a, "颗粒硅旧需求", at(-1))  # published before the search was saved
    first = need(org_a, "颗粒硅提纯", at(0, 2))
    need(org_a, "单晶硅切片", at(0, 3))  # does not match
    need(org_a, "颗粒硅未来需求", at(5), status="draft")  # not published
    totals = digests(at(1, -1))  # 08:00 the next morning
    assert totals == {"searches": 1, "digests": 1, "postings": 1}
    [note] = Notification.objects.filter(recipient=outsider)
    assert note.kind == NotificationKind.SEARCH_DIGEST and "颗粒硅需求" in note.text and "1" in note.text
    assert note.url.startswith(reverse("needs:library") + "?")
    [row] = EmailOutbox.objects.filter(to=outsider.email)
    assert "颗粒硅提纯" in row.body and "颗粒硅旧需求" not in row.body and "单晶硅切片" not in row.body
    assert first.get_absolute_url() in row.body
    assert "/searches/unsubscribe/" in row.body
    # the same run again, and later the same day: nothing new
    assert digests(at(1, -1))["digests"] == 0
    assert digests(at(1, 5))["digests"] == 0
    # a new posting on day 2 comes alone the next morning
    second = need(org_a, "颗粒硅流化床", at(1, 3))
    assert digests(at(2, -1))["postings"] == 1
    newest = EmailOutbox.objects.filter(to=outsider.email).order_by("-id").first()
    assert "颗粒硅流化床" in newest.body and "颗粒硅提纯" not in newest.body
    assert set(SavedSearchHit.objects.values_list("posting_id", flat=True)) == {first.pk, second.pk}


def test_a_posting_is_never_sent_twice_even_when_forced(alert, org_a):
    need(org_a, "颗粒硅提纯", at(0, 2))
    assert digests(at(1))["postings"] == 1
    SavedSearch.objects.update(checked_at=None)  # as if the run were repeated by hand
    assert digests(at(1))["postings"] == 0
    assert services.saved_search_digest(saved_search_id=alert.pk, now=at(3)) == 0
    assert EmailOutbox.objects.count() == 1 and Notification.objects.count() == 1


def test_the_weekly_digest_waits_a_week(outsider, org_a):
    with time_machine.travel(at(0), tick=False):
        services.saved_search_create(user=outsider, kind="need", query={"q": "颗粒硅"}, frequency="weekly")
    need(org_a, "颗粒硅一", at(0, 1))
    assert digests(at(1))["postings"] == 1
    need(org_a, "颗粒硅二", at(2))
    for day in range(2, 7):
        assert digests(at(day))["digests"] == 0, day
    assert digests(at(8))["postings"] == 1


def test_the_digest_applies_the_saved_filters_and_skips_ones_no_longer_valid(outsider, org_a):
    with time_machine.travel(at(0), tick=False):
        services.saved_search_create(
            user=outsider, kind="need", query={"q": "颗粒硅", "region": "鄂尔多斯", "cluster": "999999"}
        )
    need(org_a, "颗粒硅鄂尔多斯", at(0, 1), region="鄂尔多斯市准格尔旗")
    need(org_a, "颗粒硅包头", at(0, 1), region="包头市")
    digests(at(1))
    [row] = EmailOutbox.objects.all()
    assert "颗粒硅鄂尔多斯" in row.body and "颗粒硅包头" not in row.body


def test_the_digest_is_in_the_users_language_else_the_sites(alert, org_a, settings):
    assert User(language="en").preferred_language == "en"
    assert User(language="").preferred_language == settings.LANGUAGE_CODE
    assert User().preferred_language == settings.LANGUAGE_CODE
    assert User(language="xx").preferred_language == settings.LANGUAGE_CODE
    need(org_a, "颗粒硅提纯", at(0, 2))
    settings.LANGUAGE_CODE = "en"
    digests(at(1))
    [row] = EmailOutbox.objects.all()
    assert "new for your saved search" in row.subject and "Stop this alert" in row.body


def test_the_digest_in_chinese_by_default(alert, org_a):
    need(org_a, "颗粒硅提纯", at(0, 2))
    digests(at(1))
    [row] = EmailOutbox.objects.all()
    assert "保存的搜索" in row.subject and "退订" in row.body


def test_the_digest_mail_goes_out_through_the_outbox(alert, org_a, django_capture_on_commit_callbacks):
    need(org_a, "颗粒硅提纯", at(0, 2))
    with django_capture_on_commit_callbacks(execute=True):
        digests(at(1))
    assert len(mail.outbox) == 1 and "颗粒硅提纯" in mail.outbox[0].body


def test_the_management_command(alert, org_a, capsys):
    need(org_a, "颗粒硅提纯", at(0, 2))
    with time_machine.travel(at(1), tick=False):
        call_command("send_search_digests")
        call_command("send_search_digests")
    out = capsys.readouterr().out
    assert "digests sent: 1" in out and "digests sent: 0" in out


def test_the_beat_schedule_runs_the_digest_task(settings):
    from mengkeju.savedsearches.tasks import send_search_digests

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert send_search_digests.name in tasks


# --- unsubscribe --------------------------------------------------------------------------------


def test_unsubscribe_link_asks_on_get_and_acts_on_post_logged_out_and_can_be_undone(
    alert, org_a, client_for, anonymous
):
    need(org_a, "颗粒硅提纯", at(0, 2))
    digests(at(1))
    body = EmailOutbox.objects.get().body
    url = re.search(r"https?://[^/\s]+(/searches/unsubscribe/[^\s]+/)", body).group(1)
    client = Client(enforce_csrf_checks=True)  # as a mail program or a logged-out browser, no CSRF cookie
    # opening the link (a mail scanner, a link preview, the user) changes nothing: it asks
    for _ in range(2):
        page = client.get(url).content.decode()
        assert "停止这条订阅提醒？" in page and 'method="post"' in page and "颗粒硅" in page
    alert.refresh_from_db()
    assert alert.active
    # pressing the button stops it
    response = client.post(url, {"active": "0"})
    alert.refresh_from_db()
    assert response.status_code == 200 and not alert.active and "已退订" in response.content.decode()
    need(org_a, "颗粒硅新需求", at(1, 2))
    assert digests(at(2))["digests"] == 0  # switched off
    assert "这条提醒已关闭" in client.get(url).content.decode()  # opening it again: still off, says so
    response = client.post(url, {"active": "1"})
    alert.refresh_from_db()
    assert response.status_code == 200 and alert.active
    assert digests(at(3))["postings"] == 1


def test_rfc_8058_one_click_post_unsubscribes(alert, client_for, anonymous):
    url = reverse("savedsearches:unsubscribe", args=[services.unsubscribe_token(alert)])
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    alert.refresh_from_db()
    assert response.status_code == 200 and not alert.active


def test_the_digest_mail_carries_list_unsubscribe_headers_that_a_mail_program_can_post_to(
    alert, outsider, org_a, settings
):
    """RFC 2369 / RFC 8058: the digest's headers name the signed address; a mail program's one-click POST
    to exactly that address, without cookie or CSRF token, stops the alert."""
    settings.SITE_URL = "https://mengkeju.example.org"
    need(org_a, "颗粒硅提纯", at(0, 2))
    digests(at(1, -1))
    [row] = EmailOutbox.objects.filter(to=outsider.email)
    from mengkeju.notifications.services import outbox_send

    mail.outbox.clear()
    outbox_send(outbox_id=row.pk)
    [message] = [m for m in mail.outbox if m.to == [outsider.email]]
    headers = message.message()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    pattern = r"<(https://mengkeju\.example\.org(/searches/unsubscribe/\S+/))>"
    address = re.fullmatch(pattern, headers["List-Unsubscribe"])
    assert address, headers["List-Unsubscribe"]
    assert address.group(1) in message.body  # the same link as the one in the text
    response = Client(enforce_csrf_checks=True).post(address.group(2), {"List-Unsubscribe": "One-Click"})
    alert.refresh_from_db()
    assert response.status_code == 200 and not alert.active


def test_notification_mail_has_no_list_headers(outsider):
    """Only the digest is a list one can leave; a notification of a decision is not."""
    from mengkeju.notifications.services import notify, outbox_send

    notify(recipients=[outsider], kind=NotificationKind.MATCH_APPROVED, data={"need": "需", "achievement": "成"})
    row = EmailOutbox.objects.get(to=outsider.email)
    mail.outbox.clear()
    outbox_send(outbox_id=row.pk)
    assert "List-Unsubscribe" not in mail.outbox[0].message()


def test_unsubscribe_page_in_english(alert):
    client = Client()
    client.cookies["django_language"] = "en"
    url = reverse("savedsearches:unsubscribe", args=[services.unsubscribe_token(alert)])
    assert "Stop this alert?" in client.get(url).content.decode()
    assert "Unsubscribed" in client.post(url, {"active": "0"}).content.decode()


@pytest.mark.parametrize("token", ["nonsense", "eyJzIjoxfQ:1abc:forged", "x" * 300])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_unsubscribe_link_is_a_clear_404(token, method, alert, client_for, anonymous):
    response = getattr(client_for(anonymous), method)(
        reverse("savedsearches:unsubscribe", args=[token]), {"active": "0"}
    )
    assert response.status_code == 404 and "此链接无效" in response.content.decode()
    alert.refresh_from_db()
    assert alert.active


def test_a_token_signed_for_another_search_changes_nothing(alert, client_for, anonymous):
    token = services.unsubscribe_token(alert)
    payload, rest = token.split(":", 1)
    forged = payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + rest
    assert client_for(anonymous).post(reverse("savedsearches:unsubscribe", args=[forged])).status_code == 404
    alert.refresh_from_db()
    assert alert.active


def test_a_token_of_a_deleted_search_is_a_404(alert, client_for, anonymous):
    token = services.unsubscribe_token(alert)
    alert.delete()
    assert client_for(anonymous).get(reverse("savedsearches:unsubscribe", args=[token])).status_code == 404


# --- detail pages: call to action, similar postings ----------------------------------------------


def test_visitors_see_a_call_to_action_members_do_not(client_for, anonymous, outsider, org_a):
    posting = NeedFactory(organization=org_a, title="煤矸石综合利用")
    page = client_for(anonymous).get(posting.get_absolute_url()).content.decode()
    assert 'id="visitor-cta"' in page
    assert reverse("accounts:login") + "?next=" + posting.get_absolute_url() in page
    assert 'id="visitor-cta"' not in client_for(outsider).get(posting.get_absolute_url()).content.decode()


def _index(*postings):
    from matching import services as matching_services

    for posting in postings:
        matching_services.postings_index(kind=posting.kind, postings=[posting])


def _similar(page: str) -> list[str]:
    panel = re.search(r'<section class="card similar" id="similar">.*?</section>', page, re.S)
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', panel.group(0)) if panel else []


@pytest.mark.parametrize("role", ["anonymous", "outsider"])
def test_similar_postings_panel_shows_the_closest_of_the_same_kind(role, request, client_for, org_a, uni_u):
    text = "煤矸石制备陶粒与建材，煤矸石综合利用。"
    target = NeedFactory(organization=org_a, title="煤矸石综合利用", description=text, keywords=["煤矸石"])
    close = NeedFactory(organization=org_a, title="煤矸石陶粒", description=text, keywords=["煤矸石", "陶粒"])
    far = NeedFactory(organization=org_a, title="奶牛乳房炎检测", description="挤奶时检测隐性乳房炎。")
    hidden = NeedFactory(organization=org_a, title="煤矸石草稿", description=text, status="draft")
    other_kind = AchievementFactory(organization=uni_u, title="煤矸石建材成果", description=text)
    _index(target, close, far, other_kind)
    page = client_for(request.getfixturevalue(role)).get(target.get_absolute_url()).content.decode()
    similar = _similar(page)
    assert similar[0] == "煤矸石陶粒"
    assert "煤矸石综合利用" not in similar and hidden.title not in similar and other_kind.title not in similar


def test_the_similar_panel_costs_the_same_queries_however_large_the_library(client_for, anonymous, org_a):
    text = "稀土永磁材料回收与再利用，稀土永磁电机。"
    target = NeedFactory(organization=org_a, title="稀土永磁回收", description=text)
    _index(target, *[NeedFactory(organization=org_a, title=f"稀土永磁{i}", description=text) for i in range(3)])

    def count():
        with CaptureQueriesContext(connection) as queries:
            client_for(anonymous).get(target.get_absolute_url())
        return len(queries)

    few = count()
    _index(*[NeedFactory(organization=org_a, title=f"稀土永磁再{i}", description=text) for i in range(25)])
    assert count() == few
    assert len(_similar(client_for(anonymous).get(target.get_absolute_url()).content.decode())) == 5


def test_library_links_of_a_saved_search_show_it(client_for, outsider, org_a):
    search = services.saved_search_create(user=outsider, kind="need", query=QueryDict(urlencode({"q": "颗粒硅"})))
    NeedFactory(organization=org_a, title="颗粒硅提纯")
    NeedFactory(organization=org_a, title="饲料颗粒")
    response = client_for(outsider).get(services.saved_search_url(search))
    assert [
        re.sub(r"</?mark>", "", t) for t in re.findall(r'<h3><a href="[^"]+">(.*?)</a>', response.content.decode())
    ] == ["颗粒硅提纯"]
