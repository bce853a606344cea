"""Every main page renders in Chinese (the default) and in English, for the people who use it."""

import pytest
from django.conf import settings
from django.urls import reverse

from mengkeju.postings.models import PostingStatus as S
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def postings(org_a, uni_u):
    return {
        "need": NeedFactory(organization=org_a, title="呼和浩特乳业废水处理", cooperation_modes=["transfer"]),
        "draft": NeedFactory(organization=org_a, status=S.PENDING, title="待审核需求"),
        "achievement": AchievementFactory(
            organization=uni_u, title="马铃薯全粉加工技术", cooperation_modes=["license"]
        ),
    }


PAGES = [
    # (name, who looks at it, url)
    ("home", "anonymous", lambda p: reverse("home")),
    ("need library", "outsider", lambda p: reverse("needs:library")),
    ("achievement library", "anonymous", lambda p: reverse("achievements:library")),
    ("need detail", "outsider", lambda p: p["need"].get_absolute_url()),
    ("achievement detail", "owner", lambda p: p["achievement"].get_absolute_url()),
    ("my needs", "owner", lambda p: reverse("needs:mine")),
    ("my achievements", "researcher", lambda p: reverse("achievements:mine")),
    ("need form", "owner", lambda p: reverse("needs:create")),
    ("achievement form", "researcher", lambda p: reverse("achievements:create")),
    ("moderation", "admin", lambda p: reverse("moderation")),
    ("signup", "anonymous", lambda p: reverse("accounts:signup")),
    ("login", "anonymous", lambda p: reverse("accounts:login")),
    ("password reset", "anonymous", lambda p: reverse("accounts:password_reset")),
    ("profile", "broker", lambda p: reverse("accounts:profile")),
]


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("name", "role", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_in_both_languages(name, role, url, request, client_for, postings):
    client = client_for(request.getfixturevalue(role))
    english = _get(client, url(postings), "en")
    assert '<html lang="en">' in english
    assert "Need library" in english

    chinese = _get(client, url(postings), "zh-hans")
    assert '<html lang="zh-hans">' in chinese
    assert "需求库" in chinese
    assert "Need library" not in chinese


def test_chinese_is_the_default(client_for, anonymous):
    html = client_for(anonymous).get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in html


def test_the_browser_language_is_respected(client_for, anonymous):
    response = client_for(anonymous).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="en">' in response.content.decode()


def test_language_switch_sticks(client_for, outsider, postings):
    client = client_for(outsider)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("needs:library")})
    assert response.status_code == 302 and response["Location"] == reverse("needs:library")
    assert '<html lang="en">' in client.get(reverse("needs:library")).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get(reverse("needs:library")).content.decode()


def test_cluster_names_follow_the_language(client_for, anonymous, postings):
    client = client_for(anonymous)
    url = postings["achievement"].get_absolute_url()
    assert "Green agricultural and livestock product processing" not in _get(client, url, "zh-hans")
    assert postings["achievement"].cluster.name_en in _get(client, url, "en")
    assert postings["achievement"].cluster.name_zh in _get(client, url, "zh-hans")


def test_error_pages_explain_and_link_back(client_for, outsider, owner, postings):
    client = client_for(outsider)
    client.cookies["django_language"] = "en"
    response = client.get(postings["draft"].get_absolute_url())  # another organization's pending need
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and reverse("needs:library") in page
    response = client.get(reverse("moderation"))
    assert response.status_code == 403 and "Not allowed" in response.content.decode()
