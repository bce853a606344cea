"""Password guessing: after AXES_FAILURE_LIMIT failures for one account, or from one address, logging in
is refused (even with the right password) on the site's login page and on the Django admin's, with a
clear message; the lock lifts after AXES_COOLOFF_TIME hours."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
NOW = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)


def _client(address: str = "203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=address)


def _fail(client: Client, username: str, path: str = LOGIN, times: int = 1):
    for _ in range(times):
        response = client.post(path, {"username": username, "password": "wrong-guess"})
        assert response.status_code in (200, 429)
    return response


def test_the_limit_is_a_setting():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


@time_machine.travel(NOW, tick=False)
def test_one_failure_short_of_the_limit_the_right_password_still_works(owner):
    client = _client()
    response = _fail(client, "owner", times=settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 200 and "__all__" in response.context["form"].errors
    response = client.post(LOGIN, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302 and get_user(client) == owner


@time_machine.travel(NOW, tick=False)
def test_an_account_is_locked_after_the_limit_even_with_the_right_password(owner):
    client = _client()
    _fail(client, "owner", times=settings.AXES_FAILURE_LIMIT)
    response = client.post(LOGIN, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 429
    assert not get_user(client).is_authenticated
    text = response.content.decode()
    assert 'class="errorlist nonfield locked-out"' in text
    assert "1" in response.context["locked_out"]


@time_machine.travel(NOW, tick=False)
def test_an_account_is_locked_for_guesses_from_many_addresses(owner):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(_client(f"198.51.100.{n + 1}"), "owner")
    response = _client("192.0.2.200").post(LOGIN, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 429


@time_machine.travel(NOW, tick=False)
def test_an_address_is_locked_for_guesses_at_many_accounts(owner, colleague):
    client = _client("203.0.113.50")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, f"nobody{n}")
    response = client.post(LOGIN, {"username": "colleague", "password": PASSWORD})
    assert response.status_code == 429
    # another address and another account are not affected
    other = _client("203.0.113.51")
    assert other.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code == 302


def test_the_lock_lifts_after_the_cool_off(owner):
    with time_machine.travel(NOW, tick=False):
        _fail(_client(), "owner", times=settings.AXES_FAILURE_LIMIT)
        assert _client().post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code == 429
    with time_machine.travel(NOW + datetime.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1), tick=False):
        assert timezone.now() > NOW
        assert _client().post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code == 302


@time_machine.travel(NOW, tick=False)
def test_the_django_admin_login_is_throttled_too(admin):
    client = _client()
    _fail(client, "admin", path=ADMIN_LOGIN, times=settings.AXES_FAILURE_LIMIT)
    response = client.post(ADMIN_LOGIN, {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 429
    assert not get_user(client).is_authenticated
    # and the same account on the site's login page
    assert _client("192.0.2.9").post(LOGIN, {"username": "admin", "password": PASSWORD}).status_code == 429


@time_machine.travel(NOW, tick=False)
def test_failures_on_the_site_count_for_the_admin(admin):
    client = _client()
    _fail(client, "admin", times=settings.AXES_FAILURE_LIMIT)
    assert client.post(ADMIN_LOGIN, {"username": "admin", "password": PASSWORD}).status_code == 429


@time_machine.travel(NOW, tick=False)
def test_a_success_resets_the_count_of_the_account(owner):
    client = _client()
    _fail(client, "owner", times=settings.AXES_FAILURE_LIMIT - 1)
    assert client.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code == 302
    client.post(reverse("accounts:logout"))
    _fail(client, "owner", times=settings.AXES_FAILURE_LIMIT - 1)
    assert client.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code == 302


@time_machine.travel(NOW, tick=False)
def test_the_lockout_page_is_translated(owner):
    client = _client()
    _fail(client, "owner", times=settings.AXES_FAILURE_LIMIT)
    zh = client.post(LOGIN, {"username": "owner", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "登录失败次数过多" in zh.content.decode()
    en = client.post(LOGIN, {"username": "owner", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Too many failed login attempts" in en.content.decode()
