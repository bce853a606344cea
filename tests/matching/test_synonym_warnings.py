"""The synonyms page warns when a pair can never fire (issue 8)."""

import pytest
from django.urls import reverse

from mengkeju.lib.textanalysis import Analyzer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "term, warned",
    [
        ("heat pump", True),  # two words: the matcher compares single words
        ("ISO 9001", True),
        ("技术", True),  # a stopword
        ("304", True),  # a bare number
        ("℃", True),  # read as c
        ("!!!", True),  # nothing left
        ("3D打印", False),  # mixed Latin–Chinese words are kept whole
        ("PEM电解", False),
        ("荧光定量PCR", False),
        ("新型储氢合金", False),
    ],
)
def test_adding_a_pair_warns_when_a_side_can_never_fire(client_for, admin, term, warned):
    client = client_for(admin)
    response = client.post(reverse("matching:synonyms"), {"term": term, "synonym": "增材制造"}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert ("never fire" in text or "永远不会生效" in text) == warned, text[:2000]


def test_term_problem_reasons():
    a = Analyzer([("heat pump", "热泵"), ("3d打印", "增材制造")])
    assert a.term_problem("heat pump") == ("split", ["heat", "pump"])
    assert a.term_problem("3D打印") is None
    assert a.term_problem("技术") == ("stopword", [])
    assert a.term_problem("304") == ("number", [])
    assert a.term_problem("") == ("empty", [])
