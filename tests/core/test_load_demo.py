"""``manage.py load_demo``: enough realistic postings, every role can log in, and a second run adds nothing."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.urls import reverse

from achievements.models import Achievement
from mengkeju.core.models import IndustryCluster, Organization, Role, User
from mengkeju.core.validators import validate_credit_code
from mengkeju.postings.models import PostingStatus
from mengkeju.postings.search import search
from needs.models import TechnicalNeed

pytestmark = pytest.mark.django_db

PUBLISHED = PostingStatus.PUBLISHED
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"  # as tests/conftest.py sets for each test


def _counts():
    return {model: model.objects.count() for model in (TechnicalNeed, Achievement, Organization, User, IndustryCluster)}


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load the demo once for the module, inside a transaction rolled back after its last test; each
    test runs in a savepoint of it (the ``db`` fixture), so what a test changes is undone after it."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
        outer = transaction.atomic()
        outer.__enter__()
        out = StringIO()
        call_command("load_demo", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_loaded, db):
    return demo_loaded


def test_loads_enough_published_postings_across_all_clusters(demo):
    assert TechnicalNeed.objects.filter(status=PUBLISHED).count() >= 50
    assert Achievement.objects.filter(status=PUBLISHED).count() >= 120
    for model in (TechnicalNeed, Achievement):
        per_cluster = model.objects.filter(status=PUBLISHED).values("cluster").annotate(n=Count("id"))
        assert len(per_cluster) == IndustryCluster.objects.count() == 7
        assert model.objects.filter(search_tokens="").count() == 0


def test_second_run_creates_nothing(demo):
    before = _counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _counts() == before
    assert "(0 new)" in out.getvalue()
    for model in (TechnicalNeed, Achievement):
        duplicates = model.objects.values("organization", "title").annotate(n=Count("id")).filter(n__gt=1)
        assert not duplicates.exists()


def test_demo_users_log_in_with_their_roles(demo):
    assert "http://127.0.0.1:8000" in demo
    for username, role in [
        ("admin", Role.ADMIN),
        ("broker", Role.BROKER),
        ("enterprise", Role.ENTERPRISE),
        ("researcher", Role.RESEARCHER),
    ]:
        user = User.objects.get(username=username)
        assert user.groups.filter(name=role).exists()
        # through the login page (the login throttle needs the request)
        client = Client()
        response = client.post(reverse("accounts:login"), {"username": username, "password": "mengkeju-demo"})
        assert response.status_code == 302, response.content.decode()[:500]
        assert client.session["_auth_user_id"] == str(user.pk)
        assert username in demo
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_organizations_are_valid(demo):
    enterprises = Organization.objects.filter(kind=Organization.Kind.ENTERPRISE)
    assert enterprises.count() >= 20
    for organization in enterprises:
        validate_credit_code(organization.credit_code)
    names = set(Organization.objects.values_list("name", flat=True))
    assert {"内蒙古大学", "内蒙古工业大学", "内蒙古农业大学", "内蒙古科技大学", "内蒙古医科大学"} <= names
    assert Organization.objects.filter(kind=Organization.Kind.AGENCY, members__username="broker").exists()


def test_demo_has_the_special_cases(demo):
    # one need mentions 颗粒硅 in its description only, and search finds it there
    need = TechnicalNeed.objects.get(description__contains="颗粒硅")
    assert "颗粒硅" not in need.title and "颗粒硅" not in "".join(need.keywords)
    assert list(search(TechnicalNeed.objects.filter(status=PUBLISHED), "颗粒硅")) == [need]
    confidential = TechnicalNeed.objects.filter(confidential=True, status=PUBLISHED)
    assert confidential.count() >= 2
    assert all(n.public_summary for n in confidential)
    challenges = TechnicalNeed.objects.filter(is_challenge=True, status=PUBLISHED)
    assert challenges.count() >= 2
    assert all(n.challenge_bounty_wan and n.deadline for n in challenges)
    # the moderation queue and "my postings" of the demo users are not empty
    enterprise = User.objects.get(username="enterprise")
    researcher = User.objects.get(username="researcher")
    assert TechnicalNeed.objects.filter(organization=enterprise.organization, status=PostingStatus.DRAFT).exists()
    assert TechnicalNeed.objects.filter(organization=enterprise.organization, status=PostingStatus.REJECTED).exists()
    assert TechnicalNeed.objects.filter(status=PostingStatus.PENDING).exists()
    assert Achievement.objects.filter(organization=researcher.organization, status=PostingStatus.PENDING).exists()


@pytest.mark.parametrize("kind", ["needs", "achievements"])
def test_each_library_search_box_example_finds_demo_postings(demo, client, kind):
    """The placeholder suggests a word to try; in the demo it finds something in that library."""

    html = client.get(reverse(f"{kind}:library")).content.decode()
    example = re.search(r'name="q"[^>]*placeholder="[^"]*?(\S+)"|placeholder="[^"]*?(\S+)"[^>]*name="q"', html)
    word = next(g for g in example.groups() if g).removeprefix("例如：")
    results = client.get(reverse(f"{kind}:library"), {"q": word}).context["page"].paginator.count
    assert results >= 1, (kind, word)
