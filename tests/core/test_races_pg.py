"""Decisions and registrations arriving at the same instant, on PostgreSQL with real connections: threads
released together by a barrier.  Exactly one decision is recorded; the loser of a registration gets a
form error naming the field, never a 500."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from matching.models import Synonym
from mengkeju.core import services
from mengkeju.core.models import AuditLog, Organization, Role, User
from needs.models import TechnicalNeed
from tests.factories import UniversityFactory, UserFactory, credit_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*targets):
    """Run each target in its own thread (own connection), released together; returns their outcomes:
    {"result": ...} or {"invalid": ValidationError} or {"error": other exception}."""
    barrier = threading.Barrier(len(targets))
    outcomes = [{} for _ in targets]

    def run(target, outcome):
        try:
            barrier.wait(10)
            outcome["result"] = target()
        except ValidationError as exc:
            outcome["invalid"] = exc
        except Exception as exc:  # reported by the assertions of the test
            outcome["error"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in zip(targets, outcomes, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_approve_and_reject_of_one_membership_leave_exactly_one_decision(admin):
    other_admin = UserFactory(username="admin2", role=Role.ADMIN)
    university = UniversityFactory(name="内蒙古工业大学")
    for round_ in range(12):
        member = UserFactory(username=f"applicant{round_}", role=Role.RESEARCHER, requested_organization=university)

        def approve(pk=member.pk):
            return services.membership_approve(user=User.objects.get(pk=pk), actor=admin)

        def reject(pk=member.pk):
            return services.membership_reject(user=User.objects.get(pk=pk), actor=other_admin, note="不认识")

        approved, rejected = race(approve, reject)
        assert "error" not in approved and "error" not in rejected, (approved, rejected)
        assert ["result" in approved, "result" in rejected].count(True) == 1, (round_, approved, rejected)
        decisions = AuditLog.objects.filter(
            target_id=member.pk, action__in=["membership.approve", "membership.reject"]
        ).values_list("action", flat=True)
        assert len(decisions) == 1, (round_, list(decisions))
        member.refresh_from_db()
        assert member.requested_organization is None
        if "result" in approved:
            assert decisions[0] == "membership.approve" and member.organization == university
        else:
            assert decisions[0] == "membership.reject" and member.organization is None


def test_two_admins_verifying_one_organization_record_one_decision(admin):
    other_admin = UserFactory(username="admin2", role=Role.ADMIN)
    for round_ in range(6):
        organization = UniversityFactory(name=f"待验证大学{round_}", verified=False)
        outcomes = race(
            lambda pk=organization.pk: services.organization_verify(
                organization=Organization.objects.get(pk=pk), actor=admin
            ),
            lambda pk=organization.pk: services.organization_verify(
                organization=Organization.objects.get(pk=pk), actor=other_admin
            ),
        )
        assert not any("error" in o for o in outcomes), outcomes
        assert [("result" in o) for o in outcomes].count(True) == 1
        assert AuditLog.objects.filter(target_id=organization.pk, action="organization.verify").count() == 1


def _signup(username: str, **organization) -> dict:
    return {
        "username": username,
        "display_name": username,
        "email": f"{username}@example.com",
        "password1": "Caoyuan-Keji-2026!",
        "password2": "Caoyuan-Keji-2026!",
        "role": Role.ENTERPRISE,
        "organization_choice": "register",
        "org_kind": "enterprise",
        "accept_terms": "on",
        **organization,
    }


def _post(path: str, data: dict, user: User | None = None):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.post(path, data)
    return response.status_code, (response.context["form"].errors if response.context else None)


@pytest.mark.parametrize(
    ("second", "field"),
    [
        ({"org_name": "草原新能源有限公司", "org_credit_code": credit_code(901)}, "org_name"),
        ({"org_name": "草原新能源有限公司\u200b", "org_credit_code": credit_code(901)}, "org_name"),
        ({"org_name": "另一家公司", "org_credit_code": credit_code(900)}, "org_credit_code"),
    ],
    ids=["same-name", "look-alike-name", "same-credit-code"],
)
def test_the_same_organization_registered_twice_at_once(second, field):
    path = reverse("accounts:signup")
    first = {"org_name": "草原新能源有限公司", "org_credit_code": credit_code(900)}
    for round_ in range(4):
        User.objects.filter(username__regex=r"^(first|second)\d").delete()
        Organization.objects.all().delete()
        outcomes = race(
            lambda r=round_: _post(path, _signup(f"first{r}", **first)),
            lambda r=round_: _post(path, _signup(f"second{r}", **second)),
        )
        assert not any("error" in o for o in outcomes), outcomes
        statuses = sorted(o["result"][0] for o in outcomes)
        assert statuses == [200, 302], outcomes  # never a 500
        loser_errors = next(o["result"][1] for o in outcomes if o["result"][0] == 200)
        assert field in loser_errors, loser_errors
        assert Organization.objects.count() == 1
        assert User.objects.filter(username__in=[f"first{round_}", f"second{round_}"]).count() == 1


def test_the_same_user_name_taken_twice_at_once(org_a):
    path = reverse("accounts:signup")
    outcomes = race(
        lambda: _post(path, _signup("samename", org_name="甲公司", org_credit_code=credit_code(910))),
        lambda: _post(path, _signup("samename", org_name="乙公司", org_credit_code=credit_code(911))),
    )
    assert sorted(o["result"][0] for o in outcomes) == [200, 302], outcomes
    assert "username" in next(o["result"][1] for o in outcomes if o["result"][0] == 200)
    assert User.objects.filter(username="samename").count() == 1
    # nothing half-saved: the loser's organization went with its user
    assert Organization.objects.filter(name__in=["甲公司", "乙公司"]).count() == 1


@pytest.mark.parametrize("reverse_order", [False, True], ids=["same-order", "reverse-order"])
def test_the_same_synonym_added_twice_at_once(admin, reverse_order):
    path = reverse("matching:synonyms")
    second = {"term": "钙钛矿叠层", "synonym": "叠层钙钛矿"}
    if reverse_order:
        second = {"term": "叠层钙钛矿", "synonym": "钙钛矿叠层"}
    for _round in range(4):
        Synonym.objects.filter(term__in=["钙钛矿叠层", "叠层钙钛矿"]).delete()
        outcomes = race(
            lambda: _post(path, {"term": "钙钛矿叠层", "synonym": "叠层钙钛矿"}, admin),
            lambda: _post(path, second, admin),
        )
        assert sorted(o["result"][0] for o in outcomes) == [200, 302], outcomes
        assert "synonym" in next(o["result"][1] for o in outcomes if o["result"][0] == 200)
        assert Synonym.objects.filter(term__in=["钙钛矿叠层", "叠层钙钛矿"]).count() == 1


def test_a_double_submitted_new_need_form_creates_one_draft(owner):
    path = reverse("needs:create")
    client = Client()
    client.force_login(owner)
    form = client.get(path).context["form"]
    token = form["submission_token"].value()
    from mengkeju.core.models import CooperationMode, IndustryCluster

    data = {
        "title": "风电叶片回收",
        "cluster": IndustryCluster.objects.get(code="new-energy").pk,
        "keywords": "风电、叶片",
        "description": "退役风电叶片的回收利用技术。",
        "cooperation_modes": [CooperationMode.objects.first().pk],
        "submission_token": str(token),
    }
    session = client.cookies

    def submit():
        c = Client()
        c.cookies = session
        return c.post(path, data).status_code

    outcomes = race(submit, submit, submit)
    assert [o.get("result") for o in outcomes] == [302, 302, 302], outcomes
    assert TechnicalNeed.objects.filter(title="风电叶片回收").count() == 1
