"""The permission matrix: every role × every posting action, for needs and achievements.

The posting under test belongs to enterprise A (needs) or university U (achievements): for ``owner`` and
``colleague`` a need is their own organization's, for ``outsider`` another's; for ``researcher`` an
achievement is their own institution's, for ``researcher_outsider`` another's.

Outcomes:
  OK     — 200, the page renders
  LOGIN  — 302 to the login page, nothing changes
  DONE   — 302 back to the posting, and its status changed as the action says
  403    — PermissionDenied, nothing changes
  404    — the posting does not exist for this user, nothing changes
"""

import pytest
from django.urls import reverse

from mengkeju.postings.models import PostingStatus as S
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db

OK, LOGIN, DONE = "OK", "LOGIN", "DONE"

ROLES = ("anonymous", "owner", "colleague", "outsider", "researcher", "researcher_outsider", "broker", "admin")

# action: (HTTP method, status of the posting before, status after DONE or None for pages)
ACTIONS = {
    "library": ("GET", S.PUBLISHED, None),
    "mine": ("GET", S.PUBLISHED, None),
    "create": ("GET", S.PUBLISHED, None),
    "detail_published": ("GET", S.PUBLISHED, None),
    "detail_draft": ("GET", S.DRAFT, None),
    "detail_pending": ("GET", S.PENDING, None),
    "detail_closed": ("GET", S.CLOSED, None),
    "edit_draft": ("GET", S.DRAFT, None),
    "edit_published": ("GET", S.PUBLISHED, None),
    "submit": ("POST", S.DRAFT, S.PENDING),
    "approve": ("POST", S.PENDING, S.PUBLISHED),
    "reject": ("POST", S.PENDING, S.REJECTED),
    "close": ("POST", S.PUBLISHED, S.CLOSED),
    "reopen": ("POST", S.CLOSED, S.PUBLISHED),
}

# fmt: off
#                    anonymous owner  colleague outsider researcher res_outsider broker admin
NEED_MATRIX = {
    "library":          (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "mine":             (LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "create":           (LOGIN, OK,    OK,    OK,    403,   403,   403,   403),
    "detail_published": (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "detail_draft":     (404,   OK,    OK,    404,   404,   404,   404,   OK),
    "detail_pending":   (404,   OK,    OK,    404,   404,   404,   404,   OK),
    "detail_closed":    (404,   OK,    OK,    404,   404,   404,   404,   OK),
    "edit_draft":       (LOGIN, OK,    OK,    404,   404,   404,   404,   403),
    "edit_published":   (LOGIN, OK,    OK,    403,   403,   403,   403,   403),
    "submit":           (LOGIN, DONE,  DONE,  404,   404,   404,   404,   403),
    "approve":          (LOGIN, 403,   403,   404,   404,   404,   404,   DONE),
    "reject":           (LOGIN, 403,   403,   404,   404,   404,   404,   DONE),
    "close":            (LOGIN, DONE,  DONE,  403,   403,   403,   403,   DONE),
    "reopen":           (LOGIN, DONE,  DONE,  404,   404,   404,   404,   403),
}
ACHIEVEMENT_MATRIX = {
    "library":          (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "mine":             (LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "create":           (LOGIN, 403,   403,   403,   OK,    OK,    403,   403),
    "detail_published": (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "detail_draft":     (404,   404,   404,   404,   OK,    404,   404,   OK),
    "detail_pending":   (404,   404,   404,   404,   OK,    404,   404,   OK),
    "detail_closed":    (404,   404,   404,   404,   OK,    404,   404,   OK),
    "edit_draft":       (LOGIN, 404,   404,   404,   OK,    404,   404,   403),
    "edit_published":   (LOGIN, 403,   403,   403,   OK,    403,   403,   403),
    "submit":           (LOGIN, 404,   404,   404,   DONE,  404,   404,   403),
    "approve":          (LOGIN, 404,   404,   404,   403,   404,   404,   DONE),
    "reject":           (LOGIN, 404,   404,   404,   403,   404,   404,   DONE),
    "close":            (LOGIN, 403,   403,   403,   DONE,  403,   403,   DONE),
    "reopen":           (LOGIN, 404,   404,   404,   DONE,  404,   404,   403),
}
# fmt: on

CASES = [
    pytest.param(kind, action, role, outcome, id=f"{kind}-{action}-{role}")
    for kind, matrix in (("need", NEED_MATRIX), ("achievement", ACHIEVEMENT_MATRIX))
    for action, outcomes in matrix.items()
    for role, outcome in zip(ROLES, outcomes, strict=True)
]


def test_matrix_covers_every_action_and_role():
    assert set(NEED_MATRIX) == set(ACTIONS) == set(ACHIEVEMENT_MATRIX)


def _url(kind: str, action: str, posting) -> str:
    ns = f"{kind}s"
    if action in ("library", "mine", "create"):
        return reverse(f"{ns}:{action}")
    if action.startswith("detail"):
        return reverse(f"{ns}:detail", args=[posting.pk])
    if action.startswith("edit"):
        return reverse(f"{ns}:edit", args=[posting.pk])
    return reverse(f"{ns}:transition", args=[posting.pk, action])


@pytest.mark.parametrize(("kind", "action", "role", "outcome"), CASES)
def test_permission_matrix(kind, action, role, outcome, request, client_for, org_a, uni_u):
    user = request.getfixturevalue(role)
    method, before, after = ACTIONS[action]
    if kind == "need":
        posting = NeedFactory(organization=org_a, status=before, title="企业A的需求", cooperation_modes=["transfer"])
    else:
        posting = AchievementFactory(organization=uni_u, status=before, title="大学U的成果")
    url = _url(kind, action, posting)
    client = client_for(user)

    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, {"reason": "材料不全，请补充技术指标"} if action == "reject" else {})

    posting.refresh_from_db()
    if outcome == OK:
        assert response.status_code == 200
    elif outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    elif outcome == DONE:
        assert response.status_code == 302
        assert response["Location"] == posting.get_absolute_url()
        assert posting.status == after
    else:
        assert response.status_code == outcome
    if outcome != DONE:
        assert posting.status == before, "a refused action must not change the posting"


@pytest.mark.parametrize("role", ROLES)
def test_moderation_page_is_for_admins_only(role, request, client_for):
    response = client_for(request.getfixturevalue(role)).get(reverse("moderation"))
    expected = {"anonymous": 302, "admin": 200}.get(role, 403)
    assert response.status_code == expected


def test_create_page_posts_a_draft_for_the_own_organization(owner, outsider, client_for):
    from mengkeju.core.models import CooperationMode, IndustryCluster
    from needs.models import TechnicalNeed

    data = {
        "title": "乳清蛋白膜分离提纯工艺",
        "cluster": IndustryCluster.objects.get(code="agri-food").pk,
        "keywords": "乳清蛋白、膜分离",
        "description": "需要乳清蛋白的膜分离提纯工艺，提高收率。",
        "cooperation_modes": [CooperationMode.objects.get(code="joint-development").pk],
        "budget_min_wan": "50",
        "budget_max_wan": "120",
    }
    response = client_for(owner).post(reverse("needs:create"), data)
    need = TechnicalNeed.objects.get()
    assert response.status_code == 302 and response["Location"] == need.get_absolute_url()
    assert (need.organization, need.created_by, need.status) == (owner.organization, owner, S.DRAFT)
    assert need.keywords == ["乳清蛋白", "膜分离"]
    # the outsider cannot see the draft, let alone edit it
    assert client_for(outsider).get(need.get_absolute_url()).status_code == 404
    assert client_for(outsider).post(reverse("needs:edit", args=[need.pk]), data).status_code == 404


def test_owner_edit_of_a_published_need_returns_it_to_review(owner, outsider, client_for, org_a):
    from mengkeju.core.models import CooperationMode

    need = NeedFactory(organization=org_a, title="旧标题", cooperation_modes=["transfer"])
    data = {
        "title": "新标题：煤矸石制备陶粒",
        "cluster": need.cluster_id,
        "keywords": "煤矸石",
        "description": "煤矸石综合利用制备陶粒。",
        "cooperation_modes": [CooperationMode.objects.get(code="transfer").pk],
    }
    assert client_for(outsider).post(reverse("needs:edit", args=[need.pk]), data).status_code == 403
    need.refresh_from_db()
    assert (need.title, need.status) == ("旧标题", S.PUBLISHED)

    response = client_for(owner).post(reverse("needs:edit", args=[need.pk]), data)
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.title, need.status) == ("新标题：煤矸石制备陶粒", S.PENDING)
    # back in review, it has left the public library
    assert client_for(outsider).get(need.get_absolute_url()).status_code == 404


def test_mine_lists_only_the_own_organization_in_every_state(owner, outsider, client_for, org_a, org_b):
    NeedFactory(organization=org_a, status=S.DRAFT, title="A的草稿")
    NeedFactory(organization=org_a, status=S.PUBLISHED, title="A的已发布")
    NeedFactory(organization=org_b, status=S.DRAFT, title="B的草稿")
    mine = client_for(owner).get(reverse("needs:mine")).content.decode()
    assert "A的草稿" in mine and "A的已发布" in mine and "B的草稿" not in mine
    theirs = client_for(outsider).get(reverse("needs:mine")).content.decode()
    assert "B的草稿" in theirs and "A的草稿" not in theirs and "A的已发布" not in theirs


def test_library_shows_published_postings_only(outsider, client_for, org_a):
    for status in S.values:
        NeedFactory(organization=org_a, status=status, title=f"状态-{status}")
    page = client_for(outsider).get(reverse("needs:library")).content.decode()
    assert "状态-published" in page
    for status in set(S.values) - {S.PUBLISHED}:
        assert f"状态-{status}" not in page
