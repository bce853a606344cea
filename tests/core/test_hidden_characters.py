"""Look-alike names and hidden characters: zero-width and bidi-control characters are stripped from
names, titles, keywords and queries; organizations are compared after normalisation."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching.models import Synonym
from matching.services import synonym_create
from mengkeju.core.models import CooperationMode, IndustryCluster, Organization, Role, User
from mengkeju.core.services import organization_create
from mengkeju.lib.hidden import clean_line, name_key, strip_hidden
from mengkeju.postings.search import search
from needs.models import TechnicalNeed
from tests.factories import NeedFactory, UniversityFactory

pytestmark = pytest.mark.django_db

ZWSP, RLO, BOM, LRM = "\u200b", "\u202e", "\ufeff", "\u200e"

LOOK_ALIKES = [
    "内蒙古工业大学" + ZWSP,
    ZWSP + "内蒙古工业大学",
    "内蒙古" + "\u200c" + "工业大学",
    "内蒙古工业大学" + "\u2060",
    BOM + "内蒙古工业大学",
    LRM + "内蒙古工业大学" + RLO,
    "内蒙古工业大学\u2066",
    "内蒙古 工业大学",
    "内蒙古工业大学　",  # ideographic space
    "內蒙古工業大學",  # traditional script
    "内蒙古工业大学\u00ad",  # soft hyphen
]


@pytest.fixture
def imut(db):
    return UniversityFactory(name="内蒙古工业大学", verified=True)


def _register(client, name: str, **extra):
    return client.post(
        reverse("accounts:signup"),
        {
            "username": "lookalike",
            "display_name": "某人",
            "email": "lookalike@example.com",
            "password1": "Caoyuan-Keji-2026!",
            "password2": "Caoyuan-Keji-2026!",
            "role": Role.RESEARCHER,
            "organization_choice": "register",
            "org_name": name,
            "org_kind": "university",
            "accept_terms": "on",
            **extra,
        },
    )


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_a_look_alike_of_a_verified_university_does_not_register(client, imut, name):
    response = _register(client, name)
    assert response.status_code == 200
    assert "org_name" in response.context["form"].errors
    assert Organization.objects.count() == 1
    assert not User.objects.filter(username="lookalike").exists()


def test_full_width_and_case_variants_compare_equal(client):
    UniversityFactory(name="neimenggu")
    response = _register(client, "ＮＥＩＭＥＮＧＧＵ")
    assert "org_name" in response.context["form"].errors


def test_the_service_refuses_a_look_alike_with_a_field_error(imut):
    with pytest.raises(ValidationError) as caught:
        organization_create(kind="university", name="内蒙古工业大学" + ZWSP)
    assert "name" in caught.value.message_dict


def test_a_new_name_is_stored_without_hidden_characters(client):
    response = _register(client, RLO + "草原 大学" + ZWSP + "  ")
    assert response.status_code == 302
    organization = Organization.objects.get()
    assert organization.name == "草原 大学"
    assert organization.name_key == name_key("草原大学")


def test_a_different_name_still_registers(client, imut):
    assert _register(client, "内蒙古工业大学附属中学").status_code == 302
    assert Organization.objects.count() == 2


def test_helpers():
    assert strip_hidden("光" + ZWSP + "伏" + RLO) == "光伏"
    assert clean_line(" a\u200b  b\n") == "a b"
    assert name_key("A（B）" + ZWSP) == name_key("a(b)")
    # Mongolian free variation selectors carry meaning and stay
    assert strip_hidden("ᠮᠣᠩᠭᠣᠯ\u180b") == "ᠮᠣᠩᠭᠣᠯ\u180b"


def _need_form(**extra):
    return {
        "title": "光伏组件回收",
        "cluster": IndustryCluster.objects.get(code="new-energy").pk,
        "keywords": "光伏、回收",
        "description": "退役光伏组件的回收利用。",
        "cooperation_modes": [CooperationMode.objects.first().pk],
        **extra,
    }


def test_titles_and_keywords_are_stored_without_hidden_characters(client_for, owner):
    response = client_for(owner).post(
        reverse("needs:create"),
        _need_form(title=RLO + "光伏" + ZWSP + "组件回收", keywords="光" + ZWSP + "伏、" + BOM + "回收"),
    )
    assert response.status_code == 302
    need = TechnicalNeed.objects.get()
    assert need.title == "光伏组件回收"
    assert need.keywords == ["光伏", "回收"]


def test_a_query_with_hidden_characters_finds_the_same_postings(org_a):
    need = NeedFactory(organization=org_a, title="颗粒硅制备技术", keywords=["颗粒硅"])
    NeedFactory(organization=org_a, title="风电叶片回收", keywords=["叶片"])
    plain = list(search(TechnicalNeed.objects.all(), "颗粒硅"))
    hidden = list(search(TechnicalNeed.objects.all(), "颗粒" + ZWSP + "硅" + RLO))
    assert plain == hidden == [need]


def test_the_library_search_ignores_hidden_characters(client, org_a):
    need = NeedFactory(organization=org_a, title="颗粒硅制备技术", keywords=["颗粒硅"])
    NeedFactory(organization=org_a, title="风电叶片回收", keywords=["叶片"])
    response = client.get(reverse("needs:library"), {"q": "颗" + ZWSP + "粒硅"})
    assert [p.pk for p in response.context["page"]] == [need.pk]


def test_synonyms_are_stored_without_hidden_characters():
    pair = synonym_create(term="钙钛矿" + ZWSP + "叠层", synonym=RLO + "叠层钙钛矿")
    assert (pair.term, pair.synonym) == ("钙钛矿叠层", "叠层钙钛矿")
    with pytest.raises(ValidationError) as caught:
        synonym_create(term="叠层钙钛矿" + BOM, synonym="钙钛矿叠层")
    assert "synonym" in caught.value.message_dict
    assert Synonym.objects.filter(term__in=["钙钛矿叠层", "叠层钙钛矿"]).count() == 1
