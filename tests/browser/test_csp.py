"""Every page of each role renders under the strict Content Security Policy in Chromium: no violation is
reported (neither a ``securitypolicyviolation`` event nor a "Refused to ..." console message), and the
page's own scripts still run."""

import datetime

import pytest
from django.urls import reverse

from matching.models import Match
from mengkeju.deals import services as deal_services
from mengkeju.notifications.services import notify
from mengkeju.postings.models import PostingStatus
from tests.factories import PASSWORD, AchievementFactory, NeedFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || ''));
});
"""


@pytest.fixture
def site(cast, org_a, uni_u, owner, researcher, broker, admin):
    """Enough data that every page has something to show: postings in several states, a confidential
    challenge, an approved match with a deal, an open proposal, a notification."""
    UserFactory(username="root", role="", is_superuser=True, is_staff=True)
    need = NeedFactory(organization=org_a, created_by=owner, title="光伏组件回收", keywords=["光伏", "回收"])
    challenge = NeedFactory(
        organization=org_a,
        created_by=owner,
        title="风电叶片回收揭榜",
        is_challenge=True,
        deadline=datetime.date(2099, 1, 1),
        confidential=True,
        public_summary="公开摘要",
    )
    draft = NeedFactory(organization=org_a, created_by=owner, status=PostingStatus.DRAFT, title="草稿需求")
    pending = NeedFactory(organization=org_a, created_by=owner, status=PostingStatus.PENDING, title="待审需求")
    achievement = AchievementFactory(organization=uni_u, created_by=researcher, title="光伏组件热解回收")
    other = AchievementFactory(organization=uni_u, created_by=researcher, title="叶片粉碎再生")
    approved = deal_services.match_approve(
        match=Match.objects.create(need=need, achievement=achievement, score=0.6), user=broker
    )
    proposal = Match.objects.create(need=challenge, achievement=other, score=0.4)
    notify(recipients=[owner], kind="match_approved", data={"need": need.title}, url="/", email=False)
    return {
        "need": need,
        "challenge": challenge,
        "draft": draft,
        "pending": pending,
        "achievement": achievement,
        "approved": approved,
        "proposal": proposal,
    }


def _pages(site) -> dict[str, list[str]]:
    public = [
        reverse("home"),
        reverse("needs:library"),
        reverse("needs:library") + "?q=光伏",
        reverse("achievements:library"),
        reverse("needs:detail", args=[site["need"].pk]),
        reverse("achievements:detail", args=[site["achievement"].pk]),
        reverse("deals:challenges"),
        reverse("deals:challenge", args=[site["challenge"].pk]),
        reverse("dashboard:public"),
    ]
    member = [
        reverse("accounts:profile"),
        reverse("accounts:password_change"),
        reverse("notifications:list"),
        reverse("deals:mine"),
        reverse("messaging:inbox"),
    ]
    return {
        "anonymous": [
            *public,
            reverse("accounts:login"),
            reverse("accounts:signup"),
            reverse("accounts:password_reset"),
            reverse("admin:login"),
        ],
        "owner": [
            *public,
            *member,
            reverse("needs:mine"),
            reverse("needs:create"),
            reverse("needs:edit", args=[site["draft"].pk]),
            reverse("needs:detail", args=[site["draft"].pk]),
            reverse("deals:match", args=[site["approved"].pk]),
            reverse("messaging:thread", args=[site["approved"].pk]),
        ],
        "researcher": [
            *public,
            *member,
            reverse("achievements:mine"),
            reverse("achievements:create"),
            reverse("deals:match", args=[site["approved"].pk]),
        ],
        "broker": [
            *public,
            *member,
            reverse("deals:queue"),
            reverse("deals:board"),
            reverse("deals:match", args=[site["proposal"].pk]),
            reverse("deals:match", args=[site["approved"].pk]),
        ],
        "admin": [
            *public,
            *member,
            reverse("moderation"),
            reverse("needs:detail", args=[site["pending"].pk]),
            reverse("deals:queue"),
            reverse("deals:match", args=[site["proposal"].pk]),
            reverse("deals:export"),
            reverse("deals:board"),
            reverse("dashboard:admin"),
            reverse("matching:runs"),
            reverse("matching:synonyms"),
            reverse("admin:index"),
            reverse("admin:core_organization_changelist"),
            reverse("admin:needs_technicalneed_changelist"),
            reverse("admin:needs_technicalneed_change", args=[site["need"].pk]),
            reverse("admin:matching_match_changelist"),
            reverse("admin:core_auditlog_changelist"),
        ],
    }


def _log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}{reverse('accounts:login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert reverse("accounts:login") not in page.url, f"{username} could not log in"


@pytest.mark.parametrize("role", ["anonymous", "owner", "researcher", "broker", "admin"])
def test_every_page_of_the_role_renders_without_csp_violations(role, site, page, live_server):
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.add_init_script(RECORD_VIOLATIONS)
    if role != "anonymous":
        _log_in(page, live_server.url, role)
    violations = []
    for path in _pages(site)[role]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, (role, path, response and response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        recorded = page.evaluate("window.__csp || []")
        violations += [f"{path}: {v}" for v in recorded]
        violations += [f"{path}: {m}" for m in console if "Content Security Policy" in m or "Refused to" in m]
        console.clear()
    assert violations == []


def test_a_violation_would_be_seen(page, live_server):
    """The check above can fail: an inline style injected into a served page is reported."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}{reverse('home')}")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
