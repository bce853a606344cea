"""Organisation and region names go through the one normalisation (issue 8)."""

import pytest

from mengkeju.core.models import Organization
from mengkeju.core.services import organization_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("內蒙古大學", "内蒙古大学"),  # traditional script
        ("  内蒙古\u3000大学 ", "内蒙古 大学"),  # ideographic space, padding
        ("内蒙古\u200b大学", "内蒙古大学"),  # zero-width space
        ("ＡＢＣ科技（包头）有限公司", "ABC科技(包头)有限公司"),  # full-width forms
        ("中科—稀土研究院", "中科-稀土研究院"),  # em dash
    ],
)
def test_organization_names_are_stored_normalised(typed, stored):
    org = organization_create(kind=Organization.Kind.UNIVERSITY, name=typed, region="呼和浩特市\u3000赛罕区")
    assert org.name == stored
    assert org.region == "呼和浩特市 赛罕区"


def test_signing_up_a_traditional_spelling_of_a_registered_organization_is_refused():
    from mengkeju.core.forms import SignupForm

    organization_create(kind=Organization.Kind.UNIVERSITY, name="内蒙古大学")
    form = SignupForm(data={"organization_choice": SignupForm.REGISTER, "org_name": "內蒙古大學", "role": "researcher"})
    form.is_valid()
    assert "already registered" in str(form.errors.get("org_name")) or "已" in str(form.errors.get("org_name"))
