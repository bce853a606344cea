"""Posting pages beyond the permission matrix: moderation round trips, messages, where a button leads."""

import pytest
from django.urls import reverse

from mengkeju.postings.models import PostingStatus as S
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_moderation_queue_lists_pending_postings_and_approves_back_to_the_queue(
    client_for, admin, outsider, org_a, uni_u
):
    need = NeedFactory(organization=org_a, status=S.PENDING, title="待审需求：煤化工废水零排放")
    achievement = AchievementFactory(organization=uni_u, status=S.PENDING, title="待审成果：羊绒纤维改性")
    NeedFactory(organization=org_a, status=S.DRAFT, title="草稿不进队列")
    client = client_for(admin)
    page = client.get(reverse("moderation")).content.decode()
    assert need.title in page and achievement.title in page and "草稿不进队列" not in page

    url = reverse("needs:transition", args=[need.pk, "approve"])
    response = client.post(url, {"next": reverse("moderation")}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("moderation")
    assert need.title not in response.content.decode()  # left the queue
    assert len(_messages(response)) == 1
    need.refresh_from_db()
    assert need.status == S.PUBLISHED
    # now the outsider finds it in the library
    assert need.title in client_for(outsider).get(reverse("needs:library")).content.decode()


def test_reject_without_a_reason_is_refused_with_a_message(client_for, admin, org_a):
    need = NeedFactory(organization=org_a, status=S.PENDING)
    response = client_for(admin).post(
        reverse("needs:transition", args=[need.pk, "reject"]), {"reason": ""}, follow=True
    )
    assert response.status_code == 200
    assert len(_messages(response)) == 1
    need.refresh_from_db()
    assert need.status == S.PENDING


def test_the_owner_sees_the_rejection_reason_the_outsider_sees_nothing(client_for, admin, owner, outsider, org_a):
    need = NeedFactory(organization=org_a, status=S.PENDING)
    client_for(admin).post(reverse("needs:transition", args=[need.pk, "reject"]), {"reason": "请补充预算范围"})
    need.refresh_from_db()
    assert need.status == S.REJECTED
    assert "请补充预算范围" in client_for(owner).get(need.get_absolute_url()).content.decode()
    assert client_for(outsider).get(need.get_absolute_url()).status_code == 404


def test_an_illegal_transition_by_url_shows_an_error_not_a_crash(client_for, owner, org_a):
    need = NeedFactory(organization=org_a, status=S.PUBLISHED)
    response = client_for(owner).post(reverse("needs:transition", args=[need.pk, "submit"]), follow=True)
    assert response.status_code == 200
    assert len(_messages(response)) == 1
    need.refresh_from_db()
    assert need.status == S.PUBLISHED


def test_submitting_without_a_contact_phone_takes_the_owner_to_the_field(client_for, owner, org_a):
    """The contact fields may stay empty while drafting; submitting asks for them. A newcomer was left on the
    posting's page with the error and no way back to the form: now the edit form opens at the first empty
    contact field, with the message above it."""
    need = NeedFactory(organization=org_a, status=S.DRAFT, contact_phone="")
    client = client_for(owner)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("needs:transition", args=[need.pk, "submit"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("needs:edit", args=[need.pk]) + "?submit=1#id_contact_phone"
    page = client.get(response["Location"]).content.decode()
    assert "Fill in the contact details marked below" in page
    # the reason sits at the field, which is marked invalid; the filled-in ones are not
    field = (
        page.split('id="id_contact_phone"', 1)[0].rsplit("<label", 1)[-1]
        + page.split('id="id_contact_phone"', 1)[1][:600]
    )
    assert "Give a contact phone" in field
    assert "Give a contact e-mail" not in page and "Give a contact person" not in page
    need.refresh_from_db()
    assert need.status == S.DRAFT


def test_transitions_accept_only_post(client_for, owner, outsider, org_a):
    need = NeedFactory(organization=org_a, status=S.DRAFT)
    for user in (owner, outsider):
        assert client_for(user).get(reverse("needs:transition", args=[need.pk, "submit"])).status_code == 405
    need.refresh_from_db()
    assert need.status == S.DRAFT


@pytest.mark.parametrize("next_url", ["https://evil.example.com/", "//evil.example.com/", "/\\evil.example.com/"])
@pytest.mark.parametrize("reason", ["", "材料不全"])
def test_next_never_leads_off_the_site(next_url, reason, client_for, admin, org_a):
    need = NeedFactory(organization=org_a, status=S.PENDING)
    response = client_for(admin).post(
        reverse("needs:transition", args=[need.pk, "reject"]), {"reason": reason, "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == need.get_absolute_url()


def test_detail_buttons_match_what_the_user_may_do(client_for, owner, outsider, admin, org_a):
    need = NeedFactory(organization=org_a, status=S.PUBLISHED)
    close = reverse("needs:transition", args=[need.pk, "close"])
    edit = reverse("needs:edit", args=[need.pk])
    owner_page = client_for(owner).get(need.get_absolute_url()).content.decode()
    assert close in owner_page and edit in owner_page
    outsider_page = client_for(outsider).get(need.get_absolute_url()).content.decode()
    assert close not in outsider_page and edit not in outsider_page
    admin_page = client_for(admin).get(need.get_absolute_url()).content.decode()
    assert close in admin_page and edit not in admin_page
