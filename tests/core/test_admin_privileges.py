"""The Django admin: privilege fields only for superusers; status and decision fields read-only (they
change through services and the audit log).  Each test posts the admin's own change form back, as a
person pressing "Save" would, with the forbidden field set."""

import pytest
from django import forms
from django.contrib import admin as django_admin
from django.test import RequestFactory
from django.urls import reverse

from matching.models import Match, MatchStatus
from mengkeju.core.models import Organization, Role, User
from mengkeju.deals.models import ChallengeEntry
from mengkeju.postings.models import PostingStatus
from needs.models import TechnicalNeed
from tests.factories import AchievementFactory, NeedFactory, UniversityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", role="", is_superuser=True, is_staff=True)


@pytest.fixture
def staff_broker(broker):
    broker.is_staff = True
    broker.save()
    return broker


def _form_data(client, user, obj) -> dict:
    """The change form's current values, as the browser would post them back."""
    model_admin = django_admin.site._registry[type(obj)]
    request = RequestFactory().get("/")
    request.user = user
    form = model_admin.get_form(request, obj, change=True)(instance=obj)
    data = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(bound.field, forms.FileField):  # a browser posts no file back unless one is chosen
            continue
        if isinstance(widget, forms.MultiWidget):
            for i, part in enumerate(widget.decompress(value)):
                if part is not None:
                    data[f"{bound.html_name}_{i}"] = part
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = value
    return data


def _change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_a_platform_admin_cannot_make_themselves_superuser(client_for, admin):
    client = client_for(admin)
    page = client.get(_change_url(admin))
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    data = _form_data(client, admin, admin) | {"is_superuser": "on", "display_name": "改了名字"}
    response = client.post(_change_url(admin), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    admin.refresh_from_db()
    assert admin.display_name == "改了名字"  # the form did save
    assert not admin.is_superuser


@pytest.mark.parametrize("field", ["is_staff", "groups", "user_permissions"])
def test_a_platform_admin_cannot_grant_privileges(client_for, admin, owner, field):
    client = client_for(admin)
    page = client.get(_change_url(owner)).content.decode()
    assert f'name="{field}"' not in page
    value = {"is_staff": "on", "groups": [str(g.pk) for g in admin.groups.all()], "user_permissions": ["1"]}[field]
    data = _form_data(client, admin, owner) | {field: value}
    assert client.post(_change_url(owner), data).status_code == 302
    owner.refresh_from_db()
    assert not owner.is_staff
    assert set(owner.groups.values_list("name", flat=True)) == {Role.ENTERPRISE}
    assert not owner.user_permissions.exists()


def test_a_platform_admin_cannot_change_a_superuser(client_for, admin, superuser):
    client = client_for(admin)
    assert client.post(_change_url(superuser), {"email": "evil@example.com"}).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    response = client.post(password_url, {"password1": "Takeover-2026!", "password2": "Takeover-2026!"})
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email != "evil@example.com"
    assert not superuser.check_password("Takeover-2026!")


def test_a_superuser_can_grant_privileges(client_for, superuser, owner):
    client = client_for(superuser)
    assert 'name="is_superuser"' in client.get(_change_url(owner)).content.decode()
    data = _form_data(client, superuser, owner) | {"is_staff": "on"}
    assert client.post(_change_url(owner), data).status_code == 302
    owner.refresh_from_db()
    assert owner.is_staff


def test_membership_is_decided_on_the_moderation_page_not_in_the_admin(client_for, superuser, org_b):
    applicant = UserFactory(username="applicant", requested_organization=org_b)
    client = client_for(superuser)
    data = _form_data(client, superuser, applicant) | {"organization": str(org_b.pk), "requested_organization": ""}
    assert client.post(_change_url(applicant), data).status_code == 302
    applicant.refresh_from_db()
    assert applicant.organization is None and applicant.requested_organization == org_b


def test_verification_is_an_action_not_a_checkbox(client_for, admin):
    university = UniversityFactory(name="待验证大学", verified=False)
    client = client_for(admin)
    data = _form_data(client, admin, university) | {"verified": "on"}
    assert client.post(_change_url(university), data).status_code == 302
    university.refresh_from_db()
    assert not university.verified
    # the action goes through the service and the audit log
    response = client.post(
        reverse("admin:core_organization_changelist"),
        {"action": "mark_verified", "_selected_action": [university.pk]},
    )
    assert response.status_code == 302
    assert Organization.objects.get(pk=university.pk).verified


@pytest.fixture
def match(org_a, uni_u):
    return Match.objects.create(
        need=NeedFactory(organization=org_a), achievement=AchievementFactory(organization=uni_u), score=0.5
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"status": MatchStatus.APPROVED},
        {"status": MatchStatus.REJECTED},
        {"deal_stage": "signed", "contract_amount_wan": "100"},
        {"reviewed_by": "1", "review_note": "改过"},
    ],
    ids=["approve", "reject", "deal-stage", "reviewer"],
)
def test_a_broker_with_staff_access_cannot_decide_a_match_in_the_admin(client_for, staff_broker, match, changes):
    client = client_for(staff_broker)
    assert client.get(_change_url(match)).status_code == 200
    data = _form_data(client, staff_broker, match) | changes
    client.post(_change_url(match), data)
    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED
    assert match.deal_stage == "" and match.contract_amount_wan is None
    assert match.reviewed_by is None and match.review_note == ""


def test_matches_are_not_added_in_the_admin(client_for, superuser):
    assert client_for(superuser).get(reverse("admin:matching_match_add")).status_code == 403


@pytest.mark.parametrize("model", [TechnicalNeed])
def test_posting_status_is_read_only_in_the_admin(client_for, admin, org_a, model):
    need = NeedFactory(organization=org_a, status=PostingStatus.PENDING)
    client = client_for(admin)
    data = _form_data(client, admin, need) | {"status": PostingStatus.PUBLISHED, "rejection_reason": "x"}
    client.post(_change_url(need), data)
    need.refresh_from_db()
    assert need.status == PostingStatus.PENDING and need.rejection_reason == ""


def test_challenge_entries_are_chosen_through_the_service(client_for, admin, org_a, uni_u, researcher):
    need = NeedFactory(organization=org_a, is_challenge=True)
    entry = ChallengeEntry.objects.create(
        need=need,
        achievement=AchievementFactory(organization=uni_u),
        organization=uni_u,
        submitted_by=researcher,
        proposal="方案",
    )
    client = client_for(admin)
    data = _form_data(client, admin, entry) | {"status": ChallengeEntry.Status.CHOSEN}
    client.post(_change_url(entry), data)
    entry.refresh_from_db()
    assert entry.status == ChallengeEntry.Status.SUBMITTED


def test_deal_events_are_history_not_editable(client_for, superuser, match):
    from mengkeju.deals.models import DealEvent

    event = DealEvent.objects.create(match=match, action=DealEvent.Action.REQUESTED, note="原话")
    client = client_for(superuser)
    assert client.post(_change_url(event), {"note": "改写", "action": "approved"}).status_code == 403
    event.refresh_from_db()
    assert event.note == "原话"
    assert User.objects.filter(pk=superuser.pk, is_superuser=True).exists()
