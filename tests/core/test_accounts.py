"""Sign-up, login, logout, password reset and change, organization verification — as a person does them."""

import re

import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.urls import reverse

from mengkeju.core.models import Organization, Role, User
from tests.factories import PASSWORD, credit_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Caoyuan-Keji-2026!"


def _signup_data(**extra):
    return {
        "username": "newcomer",
        "display_name": "新用户",
        "email": "newcomer@example.com",
        "phone": "0471-1234567",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "role": Role.ENTERPRISE,
        "organization_choice": "join",
        "accept_terms": "on",
        **extra,
    }


def _errors(response) -> str:
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S))


def test_signup_page_renders_for_visitors_and_redirects_members(client_for, anonymous, owner):
    assert client_for(anonymous).get(reverse("accounts:signup")).status_code == 200
    response = client_for(owner).get(reverse("accounts:signup"))
    assert response.status_code == 302 and response["Location"] == reverse("workbench")


def test_joining_an_existing_organization_waits_for_an_admin(client, org_a, admin, client_for):
    response = client.post(reverse("accounts:signup"), _signup_data(organization=org_a.pk))
    assert response.status_code == 302 and response["Location"] == reverse("workbench")
    user = User.objects.get(username="newcomer")
    assert get_user(client) == user  # logged in straight away, but not yet a member
    assert (user.organization, user.requested_organization, user.roles) == (None, org_a, {Role.ENTERPRISE})
    assert client.get(reverse("needs:create")).status_code == 403
    assert client.get(reverse("needs:mine")).status_code == 200

    moderation = client_for(admin).get(reverse("moderation")).content.decode()
    assert "newcomer" in moderation and org_a.name in moderation
    client_for(admin).post(reverse("accounts:membership_decide", args=[user.pk, "approve"]))
    user.refresh_from_db()
    assert (user.organization, user.requested_organization) == (org_a, None)
    assert client.get(reverse("needs:create")).status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "owner", "outsider", "researcher", "broker"])
def test_only_admins_decide_membership_requests(role, request, client, client_for, org_a):
    client.post(reverse("accounts:signup"), _signup_data(organization=org_a.pk))
    user = User.objects.get(username="newcomer")
    for decision in ("approve", "reject"):
        response = client_for(request.getfixturevalue(role)).post(
            reverse("accounts:membership_decide", args=[user.pk, decision])
        )
        assert response.status_code == (302 if role == "anonymous" else 403)
    user.refresh_from_db()
    assert (user.organization, user.requested_organization) == (None, org_a)


def test_a_declined_request_leaves_the_user_without_organization(client, org_a, admin, client_for):
    client.post(reverse("accounts:signup"), _signup_data(organization=org_a.pk))
    user = User.objects.get(username="newcomer")
    client_for(admin).post(reverse("accounts:membership_decide", args=[user.pk, "reject"]))
    user.refresh_from_db()
    assert (user.organization, user.requested_organization) == (None, None)


def test_roles_join_matching_kinds_of_organization(client, org_a, uni_u):
    client.cookies["django_language"] = "en"
    response = client.post(reverse("accounts:signup"), _signup_data(role=Role.RESEARCHER, organization=org_a.pk))
    assert response.status_code == 200 and "Researchers join a university" in _errors(response)
    response = client.post(reverse("accounts:signup"), _signup_data(organization=uni_u.pk))
    assert response.status_code == 200 and "Enterprise members join an enterprise" in _errors(response)
    assert not User.objects.filter(username="newcomer").exists()


def test_join_needs_an_organization(client):
    response = client.post(reverse("accounts:signup"), _signup_data())
    assert response.status_code == 200
    assert not User.objects.filter(username="newcomer").exists()
    assert 'id="id_organization"' in response.content.decode()


@pytest.mark.parametrize(
    "code",
    ["", "91350100M000100Y4", "91350100M000100I43", "91350100M000100Y44"],
    ids=["missing", "short", "I", "check"],
)
def test_register_an_enterprise_with_an_invalid_credit_code(client, code):
    data = _signup_data(
        organization_choice="register", org_name="新注册企业", org_kind="enterprise", org_credit_code=code
    )
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 200
    assert _errors(response)
    assert not Organization.objects.filter(name="新注册企业").exists()
    assert not User.objects.filter(username="newcomer").exists()


def test_register_a_new_enterprise(client, admin, client_for):
    code = credit_code(777)
    data = _signup_data(
        organization_choice="register",
        org_name="呼和浩特新注册科技有限公司",
        org_kind="enterprise",
        org_region="呼和浩特市",
        org_credit_code=code.lower(),
    )
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 302
    organization = Organization.objects.get(name="呼和浩特新注册科技有限公司")
    assert (organization.credit_code, organization.verified) == (code, False)
    assert User.objects.get(username="newcomer").organization == organization

    # the admin sees it waiting for verification and verifies it
    admin_client = client_for(admin)
    assert "呼和浩特新注册科技有限公司" in admin_client.get(reverse("moderation")).content.decode()
    response = admin_client.post(reverse("accounts:organization_verify", args=[organization.pk]))
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.verified


def test_register_a_university_as_a_researcher(client):
    data = _signup_data(
        role=Role.RESEARCHER, organization_choice="register", org_name="鄂尔多斯应用技术学院", org_kind="university"
    )
    assert client.post(reverse("accounts:signup"), data).status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.roles == {Role.RESEARCHER}
    assert client.get(reverse("achievements:create")).status_code == 200
    assert client.get(reverse("needs:create")).status_code == 403


def test_cannot_register_a_taken_name_or_code(client, org_a):
    data = _signup_data(organization_choice="register", org_name=org_a.name, org_kind="enterprise")
    data["org_credit_code"] = credit_code(778)
    assert client.post(reverse("accounts:signup"), data).status_code == 200
    data.update(org_name="另一家", org_credit_code=org_a.credit_code)
    assert client.post(reverse("accounts:signup"), data).status_code == 200
    assert not User.objects.filter(username="newcomer").exists()


def test_cannot_sign_up_as_broker_or_admin(client, org_a):
    for role in (Role.BROKER, Role.ADMIN):
        assert (
            client.post(reverse("accounts:signup"), _signup_data(role=role, organization=org_a.pk)).status_code == 200
        )
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize("role", ["owner", "outsider", "researcher", "broker"])
def test_only_admins_verify_organizations(role, request, client_for):
    organization = Organization.objects.create(kind="university", name="待验证大学")
    response = client_for(request.getfixturevalue(role)).post(
        reverse("accounts:organization_verify", args=[organization.pk])
    )
    assert response.status_code == 403
    organization.refresh_from_db()
    assert not organization.verified


def test_login_and_logout(client, owner, outsider):
    response = client.post(reverse("accounts:login"), {"username": "owner", "password": "wrong"})
    assert response.status_code == 200 and not get_user(client).is_authenticated

    response = client.post(
        reverse("accounts:login") + "?next=/needs/mine/",
        {"username": "owner", "password": PASSWORD, "next": "/needs/mine/"},
    )
    assert response.status_code == 302 and response["Location"] == "/needs/mine/"
    assert get_user(client) == owner

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not get_user(client).is_authenticated
    assert client.get(reverse("needs:mine")).status_code == 302


def test_password_reset_by_mail(client, owner):
    response = client.post(reverse("accounts:password_reset"), {"email": owner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/\S+/)", message.body).group(1)

    response = client.get(link, follow=True)  # Django swaps the token for a session marker and redirects
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_complete")
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing(client, owner):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302  # no hint whether the address exists
    assert mail.outbox == []


def test_password_change(client_for, owner, anonymous):
    assert client_for(anonymous).get(reverse("accounts:password_change")).status_code == 302
    client = client_for(owner)
    data = {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post(reverse("accounts:password_change"), data).status_code == 200
    data["old_password"] = PASSWORD
    response = client.post(reverse("accounts:password_change"), data)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change_done")
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert get_user(client) == owner  # still logged in


def test_profile_edit(client_for, owner, anonymous):
    assert client_for(anonymous).get(reverse("accounts:profile")).status_code == 302
    client = client_for(owner)
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "王总", "email": "wang@example.com", "phone": "", "title": "总经理"},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert (owner.display_name, owner.title) == ("王总", "总经理")
