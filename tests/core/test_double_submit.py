"""A create form submitted twice (double click, reload of the POST, a retry) creates one object; the
second submission is shown what the first one created.  Concurrent submissions: test_races_pg.py."""

import pytest
from django.urls import reverse

from achievements.models import Achievement
from matching.models import Match
from mengkeju.core.models import CooperationMode, IndustryCluster
from mengkeju.deals.models import ChallengeEntry
from needs.models import TechnicalNeed
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


def _posting_form(**extra) -> dict:
    return {
        "title": "风电叶片回收",
        "cluster": IndustryCluster.objects.get(code="new-energy").pk,
        "keywords": "风电、叶片",
        "description": "退役风电叶片的回收利用技术。",
        "cooperation_modes": [CooperationMode.objects.first().pk],
        **extra,
    }


@pytest.mark.parametrize(
    ("ns", "model", "user"), [("needs", TechnicalNeed, "owner"), ("achievements", Achievement, "researcher")]
)
def test_a_posting_form_submitted_twice_creates_one_draft(client_for, request, ns, model, user):
    client = client_for(request.getfixturevalue(user))
    token = client.get(reverse(f"{ns}:create")).context["form"]["submission_token"].value()
    data = _posting_form(submission_token=str(token))
    if model is Achievement:
        data |= {"maturity": "pilot", "ip_type": "invention_patent"}
    first = client.post(reverse(f"{ns}:create"), data)
    assert first.status_code == 302, first.context["form"].errors if first.context else ""
    second = client.post(reverse(f"{ns}:create"), data, follow=True)
    assert second.redirect_chain[0][0] == first["Location"]
    assert model.objects.filter(title="风电叶片回收").count() == 1
    assert (
        "already submitted" in " ".join(str(m) for m in second.context["messages"])
        or "已提交过" in second.content.decode()
    )
    # a new page gets a new token: a second posting is possible on purpose
    token2 = client.get(reverse(f"{ns}:create")).context["form"]["submission_token"].value()
    assert token2 != token
    assert client.post(reverse(f"{ns}:create"), data | {"submission_token": str(token2)}).status_code == 302
    assert model.objects.filter(title="风电叶片回收").count() == 2


def test_an_invalid_first_submission_does_not_use_up_the_token(client_for, owner):
    client = client_for(owner)
    token = client.get(reverse("needs:create")).context["form"]["submission_token"].value()
    bad = client.post(reverse("needs:create"), _posting_form(title="", submission_token=str(token)))
    assert bad.status_code == 200 and "title" in bad.context["form"].errors
    assert bad.context["form"]["submission_token"].value() == str(token)
    good = client.post(reverse("needs:create"), _posting_form(submission_token=str(token)))
    assert good.status_code == 302
    assert TechnicalNeed.objects.count() == 1


def test_another_user_cannot_use_the_same_token_to_see_a_draft(client_for, owner, colleague):
    token = client_for(owner).get(reverse("needs:create")).context["form"]["submission_token"].value()
    data = _posting_form(submission_token=str(token))
    client_for(owner).post(reverse("needs:create"), data)
    response = client_for(colleague).post(reverse("needs:create"), data)
    assert response.status_code == 302
    assert TechnicalNeed.objects.filter(created_by=colleague).count() == 1


def test_interest_submitted_twice_is_sent_once(client_for, researcher, org_a, uni_u):
    need = NeedFactory(organization=org_a)
    own = AchievementFactory(organization=uni_u)
    client = client_for(researcher)
    data = {"counterpart": own.pk, "message": "我们可以做", "submission_token": "0b0e9d1c-6d0a-4b5e-9a51-3f1f3c3a9b11"}
    url = reverse("deals:interest", args=["need", need.pk])
    assert client.post(url, data).status_code == 302
    response = client.post(url, data, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("sent once" in m or "只发送了一次" in m for m in messages), messages
    assert Match.objects.filter(need=need, achievement=own).count() == 1


def test_a_challenge_entry_submitted_twice_is_saved_once(client_for, researcher, org_a, uni_u):
    import datetime

    from django.utils import timezone

    need = NeedFactory(organization=org_a, is_challenge=True, deadline=timezone.localdate() + datetime.timedelta(30))
    own = AchievementFactory(organization=uni_u)
    client = client_for(researcher)
    data = {
        "achievement": own.pk,
        "proposal": "三个月完成中试",
        "submission_token": "5a7c3c1e-1d2b-4c3d-8e9f-0a1b2c3d4e5f",
    }
    url = reverse("deals:challenge_enter", args=[need.pk])
    assert client.post(url, data).status_code == 302
    response = client.post(url, data, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("saved once" in m or "只保存了一次" in m for m in messages), messages
    assert ChallengeEntry.objects.filter(need=need).count() == 1
