"""Matcher pages: full runs (start, progress JSON, history), the synonym table, and the matches panel
on posting pages — for every member of the cast."""

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Match, MatchRun, MatchStatus, Synonym
from mengkeju.lib.textanalysis import default_analyzer
from tests.factories import AchievementFactory, NeedFactory

NOT_ADMIN = ("owner", "colleague", "outsider", "researcher", "researcher_outsider", "broker")


# --- access --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, method, args",
    [
        ("matching:runs", "get", []),
        ("matching:run_start", "post", []),
        ("matching:run_status", "get", ["run"]),
        ("matching:run_cancel", "post", ["run"]),
        ("matching:synonyms", "get", []),
        ("matching:synonyms", "post", []),
        ("matching:synonym_delete", "post", ["pair"]),
    ],
)
def test_admin_pages_are_for_admins_only(name, method, args, cast, client_for):
    run = MatchRun.objects.create(kind=MatchRun.Kind.FULL, trigger="test")
    pair = Synonym.objects.create(term="测试词甲", synonym="测试词乙")
    pairs = Synonym.objects.count()  # the seeded starter list and this one
    url = reverse(name, args=[{"run": run.pk, "pair": pair.pk}[a] for a in args])
    data = {"term": "无人机", "synonym": "无人飞行器"} if method == "post" else None

    response = getattr(client_for(cast["anonymous"]), method)(url, data)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    for who in NOT_ADMIN:
        assert getattr(client_for(cast[who]), method)(url, data).status_code == 403, who
    assert MatchRun.objects.count() == 1 and Synonym.objects.count() == pairs  # nothing happened
    assert MatchRun.objects.get().status == MatchRun.Status.QUEUED


# --- runs ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_starts_a_full_run_which_is_enqueued_on_commit(admin, client_for, django_capture_on_commit_callbacks):
    client = client_for(admin)
    assert client.get(reverse("matching:run_start")).status_code == 405
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("matching:run_start"))
    assert response.status_code == 302 and response.url == reverse("matching:runs")
    run = MatchRun.objects.get()
    assert (run.kind, run.trigger, run.started_by, run.status) == ("full", "admin", admin, "queued")
    assert len(callbacks) == 1  # the prepare task, sent once the transaction commits


@pytest.mark.django_db
def test_no_second_run_while_one_is_active(admin, client_for):
    MatchRun.objects.create(kind=MatchRun.Kind.FULL, trigger="beat", status=MatchRun.Status.RUNNING)
    response = client_for(admin).post(reverse("matching:run_start"), follow=True)
    assert MatchRun.objects.count() == 1
    assert "#" in str(list(response.context["messages"])[0])
    assert b"disabled" in response.content


@pytest.mark.django_db
def test_runs_page_shows_the_active_run_with_polling_hooks_and_a_refresh_link(admin, client_for):
    MatchRun.objects.create(
        kind=MatchRun.Kind.FULL, trigger="admin", started_by=admin, status=MatchRun.Status.DONE, total_chunks=1
    )
    run = MatchRun.objects.create(
        kind=MatchRun.Kind.FULL,
        trigger="admin",
        started_by=admin,
        status=MatchRun.Status.RUNNING,
        total_chunks=4,
        done_chunks=1,
        total_items=800,
        processed_items=200,
        started_at=timezone.now(),
    )
    response = client_for(admin).get(reverse("matching:runs"))
    html = response.content.decode()
    assert response.context["current"] == run
    assert f'data-status-url="{reverse("matching:run_status", args=[run.pk])}"' in html
    assert '<progress max="100" value="25"' in html
    assert "js/matching-runs.js" in html and "<script>" not in html and "style=" not in html
    assert reverse("matching:runs") in html  # refresh link for browsers without JS
    assert len(response.context["history"]) == 2


@pytest.mark.django_db
def test_finished_run_is_not_polled_and_history_shows_counts_duration_and_errors(admin, client_for):
    start = timezone.now()
    MatchRun.objects.create(
        kind=MatchRun.Kind.FULL,
        trigger="admin",
        started_by=admin,
        status=MatchRun.Status.DONE,
        total_chunks=2,
        done_chunks=2,
        total_items=300,
        processed_items=299,
        proposals_created=1234,
        errors=[{"need": 17, "error": "ValueError: boom"}],
        started_at=start,
        finished_at=start + timezone.timedelta(seconds=75),
    )
    html = client_for(admin).get(reverse("matching:runs")).content.decode()
    assert "data-status-url" not in html
    assert "1234" in html and "299/300" in html and "耗时 1 分 15 秒" in html and "ValueError: boom" in html
    assert str(admin) in html


@pytest.mark.django_db
def test_run_status_json(admin, client_for):
    run = MatchRun.objects.create(
        kind=MatchRun.Kind.FULL, status=MatchRun.Status.RUNNING, total_chunks=4, done_chunks=3, total_items=10
    )
    client = client_for(admin)
    data = client.get(reverse("matching:run_status", args=[run.pk])).json()
    assert data["id"] == run.pk and data["status"] == "running" and data["progress_percent"] == 75
    assert data["finished"] is False and data["total_items"] == 10 and data["errors"] == 0
    MatchRun.objects.filter(pk=run.pk).update(status=MatchRun.Status.DONE, done_chunks=4)
    data = client.get(reverse("matching:run_status", args=[run.pk])).json()
    assert data["finished"] is True and data["progress_percent"] == 100
    assert client.get(reverse("matching:run_status", args=[run.pk + 1])).status_code == 404


# --- synonyms ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_synonym_list_and_search(admin, client_for):
    Synonym.objects.all().delete()
    Synonym.objects.create(term="光伏", synonym="太阳能电池")
    Synonym.objects.create(term="无人机", synonym="无人飞行器", note="航空")
    client = client_for(admin)
    page = client.get(reverse("matching:synonyms")).context["page"]
    assert [str(p) for p in page] == ["光伏 ~ 太阳能电池", "无人机 ~ 无人飞行器"]
    for query in ("飞行", "航空", "无人机"):
        found = client.get(reverse("matching:synonyms"), {"q": query}).context["page"]
        assert [str(p) for p in found] == ["无人机 ~ 无人飞行器"], query
    client.cookies["django_language"] = "en"
    html = client.get(reverse("matching:synonyms"), {"q": "不存在的词"}).content.decode()
    assert "<td>光伏</td>" not in html and "No pair contains this word." in html


@pytest.mark.django_db
def test_adding_a_pair_reaches_the_analyser(admin, client_for, django_capture_on_commit_callbacks):
    default_analyzer()  # a cached analyser from before the change
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            reverse("matching:synonyms"), {"term": " 雾化施药 ", "synonym": "ＵＡＶ喷洒", "note": "test"}
        )
    assert response.status_code == 302
    pair = Synonym.objects.get(term="雾化施药")
    assert pair.synonym == "uav喷洒"  # normalised as the analyser reads it (NFKC, lower case)
    assert "uav喷洒" in default_analyzer().synonyms["雾化施药"]
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin).post(reverse("matching:synonym_delete", args=[pair.pk]), {"q": "雾化"})
    assert not Synonym.objects.filter(pk=pair.pk).exists()
    assert "雾化施药" not in default_analyzer().synonyms


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, field",
    [
        ({"term": "", "synonym": "太阳能电池"}, "term"),
        ({"term": "光伏", "synonym": ""}, "synonym"),
        ({"term": "光伏", "synonym": "光伏"}, "synonym"),
        ({"term": "太阳能电池", "synonym": "光伏"}, "synonym"),  # the pair exists in the other order
        ({"term": "光伏", "synonym": "太阳能电池"}, "synonym"),
        ({"term": "光" * 51, "synonym": "太阳能"}, "term"),
    ],
)
def test_synonym_form_errors_are_shown_next_to_the_field(data, field, admin, client_for):
    Synonym.objects.get_or_create(term="光伏", synonym="太阳能电池")
    pairs = Synonym.objects.count()
    response = client_for(admin).post(reverse("matching:synonyms"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert Synonym.objects.count() == pairs


# --- the matches panel on posting pages ---------------------------------------------------------


@pytest.fixture
def matched(org_a, uni_u):
    need = NeedFactory(title="奶牛乳房炎早期发现", organization=org_a, cluster="agri-food")
    explanation = {
        "shared_terms": [{"term": "乳房炎", "via": None, "contribution": 0.41}],
        "synonym_terms": [{"term": "乳腺炎", "via": "乳房炎", "contribution": 0.12}],
        "shared_grams": [],
        "cluster": {"need": "绿色农畜产品加工", "achievement": "现代装备制造", "relation": "other"},
        "compatibility": [
            {"signal": "cooperation_modes", "common": ["技术服务"], "adjustment": 0.03},
            {"signal": "budget", "price": 80.0, "budget_max": 120.0, "verdict": "within", "adjustment": 0.02},
            {"signal": "maturity", "maturity": "中试", "adjustment": 0.01},
        ],
    }
    matches = {}
    for status, title in (
        (MatchStatus.APPROVED, "乳腺炎在线检测装置"),
        (MatchStatus.PROPOSED, "挤奶机器人"),
        (MatchStatus.REJECTED, "乳品冷链"),
        (MatchStatus.WITHDRAWN, "已撤回的成果"),
    ):
        achievement = AchievementFactory(title=title, organization=uni_u)
        matches[status] = Match.objects.create(
            need=need, achievement=achievement, score=0.5, status=status, explanation=explanation
        )
    return need, matches


def _panel(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_matches_panel_by_role(matched, cast, client_for):
    need, matches = matched
    need_url = reverse("needs:detail", args=[need.pk])
    approved = matches[MatchStatus.APPROVED].achievement
    achievement_url = reverse("achievements:detail", args=[approved.pk])
    for who in ("broker", "admin"):
        html = _panel(client_for(cast[who]), need_url)
        assert "乳腺炎在线检测装置" in html and "挤奶机器人" in html and "乳品冷链" in html, who
        assert "已撤回的成果" not in html
        assert reverse("achievements:detail", args=[approved.pk]) in html
    for who in ("owner", "colleague"):
        html = _panel(client_for(cast[who]), need_url)
        assert "乳腺炎在线检测装置" in html and "挤奶机器人" not in html and "乳品冷链" not in html, who
        # plain language, no weights and no internal keys
        assert "共同关键词：乳房炎" in html and "近义：乳房炎 ≈ 乳腺炎" in html
        assert "合作方式一致（技术服务）" in html and "成熟度：中试" in html
        assert "报价 80 万元在预算 120 万元以内" in html
        assert "0.410" not in html and "+0.03" not in html and "verdict" not in html
    # the university's researcher sees the approved match on the achievement's page
    html = _panel(client_for(cast["researcher"]), achievement_url)
    assert "奶牛乳房炎早期发现" in html and reverse("needs:detail", args=[need.pk]) in html
    for who in ("anonymous", "outsider", "researcher_outsider"):
        html = _panel(client_for(cast[who]), need_url)
        assert 'id="matches"' not in html and "乳腺炎在线检测装置" not in html, who
    assert 'id="matches"' not in _panel(client_for(cast["outsider"]), achievement_url)


@pytest.mark.django_db
def test_matches_panel_queries_do_not_grow_with_the_matches(matched, broker, client_for, uni_v):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    need, _matches = matched
    client = client_for(broker)
    url = reverse("needs:detail", args=[need.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        Match.objects.create(need=need, achievement=AchievementFactory(organization=uni_v), score=0.3 + i / 100)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count("科技成果") >= 6
    assert len(many) == len(few)


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["match", "matchrun", "synonym", "indexedposting", "indexterm"])
def test_django_admin_lists_the_matchers_tables(model, matched, admin, outsider, client_for):
    url = reverse(f"admin:matching_{model}_changelist")
    assert client_for(admin).get(url, {"q": "乳"}).status_code == 200
    assert client_for(outsider).get(url).status_code == 302  # not staff: to the admin login
