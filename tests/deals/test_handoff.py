"""The hand-off: contact fields default from the poster's account, cannot be empty at submission, and after
an approval or a challenge win both sides see a real name, phone, e-mail and organization."""

import pytest
from django.urls import reverse

from matching.models import Match
from mengkeju.deals import services
from mengkeju.postings import services as posting_services
from mengkeju.postings.models import PostingStatus
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(owner, researcher):
    owner.display_name, owner.phone, owner.email = "王经理", "13800000001", "wang@a.example"
    owner.save()
    researcher.display_name, researcher.phone, researcher.email = "张教授", "13900000002", "zhang@u.example"
    researcher.save()
    return owner, researcher


def test_new_posting_form_starts_with_the_posters_contacts(client_for, people):
    owner, _ = people
    page = client_for(owner).get(reverse("needs:create")).content.decode()
    for value in ("王经理", "13800000001", "wang@a.example"):
        assert f'value="{value}"' in page


def test_a_posting_without_contacts_takes_the_account_ones(people, org_a):
    owner, _ = people
    from mengkeju.core.models import IndustryCluster
    from needs.models import TechnicalNeed

    data = {"title": "测试需求", "description": "内容", "cluster": IndustryCluster.objects.first()}
    need = posting_services.posting_create(model=TechnicalNeed, user=owner, data=data)
    assert (need.contact_name, need.contact_phone, need.contact_email) == ("王经理", "13800000001", "wang@a.example")


@pytest.mark.parametrize("empty", ["contact_name", "contact_phone", "contact_email"])
def test_submitting_with_an_empty_contact_field_is_refused_at_that_field(client_for, people, org_a, empty):
    owner, _ = people
    need = NeedFactory(organization=org_a, created_by=owner, status=PostingStatus.DRAFT, **{empty: ""})
    response = client_for(owner).post(reverse("needs:transition", args=[need.pk, "submit"]), follow=True)
    assert response.status_code == 200
    words = {"contact_name": "请填写联系人", "contact_phone": "请填写联系电话", "contact_email": "请填写联系邮箱"}
    text = response.content.decode()
    assert words[empty] in text  # the message names the empty field
    assert sum(w in text for w in words.values()) == 1
    need.refresh_from_db()
    assert need.status == PostingStatus.DRAFT
    with pytest.raises(posting_services.TransitionError) as caught:
        posting_services.posting_submit(posting=need, user=owner)
    assert words[empty] in " ".join(caught.value.messages)


def test_an_outsider_submitting_is_refused_before_the_contact_check(outsider, org_a, owner):
    need = NeedFactory(organization=org_a, created_by=owner, status=PostingStatus.DRAFT, contact_phone="")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        posting_services.posting_submit(posting=need, user=outsider)


def _winner(org_a, uni_u, owner, researcher) -> Match:
    # postings from before the rule: no contact fields at all
    blank = {"contact_name": "", "contact_phone": "", "contact_email": ""}
    need = NeedFactory(organization=org_a, created_by=owner, is_challenge=True, **blank)
    achievement = AchievementFactory(organization=uni_u, created_by=researcher, **blank)
    entry = services.challenge_enter(user=researcher, need=need, achievement=achievement, proposal="方案")
    return services.challenge_choose(user=owner, entry=entry)


def test_a_challenge_winner_and_the_enterprise_see_each_other(client_for, people, org_a, uni_u):
    owner, researcher = people
    match = _winner(org_a, uni_u, owner, researcher)
    url = reverse("deals:match", args=[match.pk])
    seen_by_researcher = client_for(researcher).get(url).content.decode()
    for value in ("王经理", "13800000001", "wang@a.example", org_a.name):
        assert value in seen_by_researcher
    seen_by_owner = client_for(owner).get(url).content.decode()
    for value in ("张教授", "13900000002", "zhang@u.example", uni_u.name):
        assert value in seen_by_owner
    import re

    blocks = [b.split("</dl>")[0] for b in seen_by_owner.split('class="facts contacts"')[1:]]
    assert len(blocks) == 2
    for block in blocks:  # name, phone, e-mail, organization: never "—"
        assert "—" not in re.findall(r"<dd>(.*?)</dd>", block, re.S)[:4]


def test_an_outsider_still_sees_no_contacts(client_for, people, org_a, uni_u, outsider):
    owner, researcher = people
    match = _winner(org_a, uni_u, owner, researcher)
    assert client_for(outsider).get(reverse("deals:match", args=[match.pk])).status_code == 404
