"""Words found by walking the workbench as each role: an admin or broker who holds no deal is told where
every deal is, not "No deals under way" beside a board of approved pairs."""

import pytest
from django.urls import reverse

from mengkeju.deals import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["admin", "broker"])
def test_a_reviewer_without_deals_is_pointed_at_the_board(who, request, client_for, proposal, owner):
    reviewer = request.getfixturevalue(who)
    services.match_approve(match=proposal, user=request.getfixturevalue("admin"))
    html = client_for(reviewer).get(reverse("workbench")).content.decode()
    if who == "admin":  # the admin approved it but follows nothing: the board has it
        assert "目前没有分配给您的对接项目" in html and "没有进行中的对接" not in html
        assert reverse("deals:board") in html
    else:
        assert "目前没有分配给您的对接项目" in html or proposal.need.title in html


def test_a_member_without_deals_reads_the_plain_sentence(client_for, owner):
    html = client_for(owner).get(reverse("workbench")).content.decode()
    assert "没有进行中的对接" in html and "目前没有分配给您的对接项目" not in html
