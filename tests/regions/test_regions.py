"""Regions as a hierarchy 自治区 → 盟市 → 旗县区: the seeded tree, free-text names resolved, the library
filter matching everything under a division, the picker in posting forms, the migration of old values."""

import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse

from mengkeju.regions.models import Division
from mengkeju.regions.tree import region_resolve, region_tree
from needs.models import TechnicalNeed
from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def _titles(response) -> set[str]:
    assert response.status_code == 200
    return set(
        [re.sub(r"</?mark>", "", t) for t in re.findall(r'<h3><a href="[^"]+">(.*?)</a>', response.content.decode())]
    )


def test_the_seed_has_12_leagues_and_cities_and_their_banners_counties_districts():
    region = Division.objects.get(code="150000")
    prefectures = Division.objects.filter(parent=region)
    assert prefectures.count() == 12
    assert {p.name_zh for p in prefectures} >= {"呼和浩特市", "鄂尔多斯市", "兴安盟", "锡林郭勒盟", "阿拉善盟"}
    assert Division.objects.filter(level="county", parent__parent=region).count() == 103
    assert all(p.children.exists() for p in prefectures)
    assert set(Division.objects.get(code="152900").children.values_list("name_zh", flat=True)) == {
        "阿拉善左旗",
        "阿拉善右旗",
        "额济纳旗",
    }


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("内蒙古", "150000"),
        ("内蒙古自治区", "150000"),
        ("內蒙古自治區", "150000"),  # traditional script
        ("鄂尔多斯", "150600"),
        ("鄂尔多斯市", "150600"),
        ("内蒙古自治区鄂尔多斯市", "150600"),
        ("内蒙古 · 鄂尔多斯市 准格尔旗", "150622"),
        ("准格尔旗", "150622"),
        ("呼和浩特", "150100"),
        ("呼市", "150100"),
        ("呼和浩特市新城区", "150102"),
        ("呼和浩特新城", "150102"),  # the 区 left out after its city
        ("包头市昆都仑区", "150203"),
        ("包头市青山区", "150204"),
        ("锡盟", "152500"),
        ("锡林郭勒盟锡林浩特市", "152502"),
        ("Ordos", "150600"),
        ("ＨＯＨＨＯＴ", "150100"),  # full-width Latin
        ("中国内蒙古包头", "150200"),
        ("达茂旗", "150223"),
        ("内蒙古乌兰察布市集宁区", "150902"),
    ],
)
def test_free_text_regions_resolve_to_their_division(text, code):
    assert region_tree().resolve(text).code == code


@pytest.mark.parametrize("text", ["", "   ", "北京市", "上海", "火星", "新城"])
def test_names_outside_the_tree_resolve_to_nothing(text):
    assert region_resolve(text) is None


def test_an_alias_added_in_the_admin_resolves(client_for, admin):
    division = Division.objects.get(code="150600")
    assert region_resolve("鄂市") is None
    division.aliases = "鄂市"
    division.save()
    assert region_resolve("鄂市") == division.pk


def test_admins_edit_divisions_in_the_django_admin(client_for, admin, outsider):
    division = Division.objects.get(code="150602")
    url = reverse("admin:regions_division_change", args=[division.pk])
    assert client_for(outsider).get(url).status_code == 302  # to the admin login
    client = client_for(admin)
    admin.is_superuser = True
    admin.save()
    assert client.get(reverse("admin:regions_division_changelist"), {"q": "东胜"}).status_code == 200
    response = client.post(
        url,
        {
            "code": "150602",
            "name_zh": "东胜区",
            "name_en": "Dongsheng",
            "level": "county",
            "parent": division.parent_id,
            "aliases": "东胜",
            "sort_order": division.sort_order,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    division.refresh_from_db()
    assert division.name_en == "Dongsheng"


@pytest.fixture
def spread(org_a):
    """Needs across the tree, one outside it, one with no region."""
    for title, region in [
        ("准格尔旗需求", "鄂尔多斯市准格尔旗"),
        ("东胜区需求", "鄂尔多斯东胜区"),
        ("鄂尔多斯需求", "鄂尔多斯"),
        ("新城区需求", "呼和浩特市新城区"),
        ("包头需求", "包头"),
        ("自治区需求", "内蒙古"),
        ("北京需求", "北京市海淀区"),
        ("无地区需求", ""),
    ]:
        NeedFactory(organization=org_a, title=title, region=region)


IN_ORDOS = {"准格尔旗需求", "东胜区需求", "鄂尔多斯需求"}
IN_REGION = IN_ORDOS | {"新城区需求", "包头需求", "自治区需求"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("150000", IN_REGION),
        ("内蒙古", IN_REGION),
        ("150600", IN_ORDOS),
        ("鄂尔多斯", IN_ORDOS),
        ("150622", {"准格尔旗需求"}),
        ("150100", {"新城区需求"}),
        ("150102", {"新城区需求"}),
        ("150103", set()),
    ],
)
@pytest.mark.parametrize("role", ["anonymous", "outsider"])
def test_a_division_matches_every_posting_under_it(value, expected, role, request, client_for, spread):
    response = client_for(request.getfixturevalue(role)).get(reverse("needs:library"), {"region": value})
    assert _titles(response) == expected
    assert not response.context["filter"].form.errors


def test_the_region_filter_is_a_grouped_select(client_for, anonymous):
    html = client_for(anonymous).get(reverse("needs:library")).content.decode()
    select = re.search(r'<select name="region".*?</select>', html, re.S).group(0)
    assert '<option value="150000">内蒙古自治区（全区）</option>' in select
    assert '<optgroup label="鄂尔多斯市">' in select
    ordos = select.split('<optgroup label="鄂尔多斯市">')[1].split("</optgroup>")[0]
    assert '<option value="150600">鄂尔多斯市（全部）</option>' in ordos and ">准格尔旗</option>" in ordos
    assert select.count("<optgroup") == 12


def test_a_need_posted_with_the_picker_is_found_under_its_league(client_for, owner, anonymous):
    client = client_for(owner)
    page = client.get(reverse("needs:create")).content.decode()
    assert 'name="region_code"' in page and '<optgroup label="锡林郭勒盟">' in page
    from mengkeju.core.models import CooperationMode, IndustryCluster

    response = client.post(
        reverse("needs:create"),
        {
            "title": "草原牧区智能围栏",
            "cluster": IndustryCluster.objects.get(code="agri-food").pk,
            "keywords": "围栏、牧区",
            "description": "牧区需要太阳能供电的智能电子围栏。",
            "cooperation_modes": [CooperationMode.objects.get(code="transfer").pk],
            "region_code": "152502",
        },
    )
    assert response.status_code == 302
    need = TechnicalNeed.objects.get(title="草原牧区智能围栏")
    assert need.division.code == "152502" and need.region == "锡林郭勒盟锡林浩特市"
    # an unknown code is a field error, not a crash
    response = client.post(reverse("needs:edit", args=[need.pk]), {"title": need.title, "region_code": "999999"})
    assert response.status_code == 200 and response.context["form"].errors["region_code"]


def test_editing_keeps_an_old_region_outside_the_list_and_shows_it(client_for, owner, org_a):
    need = NeedFactory(organization=org_a, title="北京来的需求", region="北京市海淀区", created_by=owner)
    assert need.division_id is None
    page = client_for(owner).get(reverse("needs:edit", args=[need.pk])).content.decode()
    assert "北京市海淀区" in page
    need_in = NeedFactory(organization=org_a, title="鄂尔多斯需求", region="鄂尔多斯", created_by=owner)
    page = client_for(owner).get(reverse("needs:edit", args=[need_in.pk])).content.decode()
    assert '<option value="150600" selected>' in page


def test_the_migration_resolves_old_free_text_regions_and_keeps_the_text(org_a):
    resolved = NeedFactory(organization=org_a, title="甲", region=" 內蒙古 鄂爾多斯市 ")
    unmatched = NeedFactory(organization=org_a, title="乙", region="北京")
    TechnicalNeed.objects.update(division=None, title_sort="")
    fill = importlib.import_module("needs.migrations.0008_fill_title_sort_and_division").forward
    fill(apps, None)
    resolved.refresh_from_db()
    unmatched.refresh_from_db()
    assert resolved.division.code == "150600" and resolved.region == " 內蒙古 鄂爾多斯市 "
    assert unmatched.division is None and unmatched.region == "北京"
    assert resolved.title_sort == "jia0003" and unmatched.title_sort == "yi00003"


def test_english_pages_name_leagues_in_english(client_for, anonymous):
    response = client_for(anonymous).get(reverse("needs:library"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Ordos" in response.content.decode()


def test_import_resolves_region_names_and_fills_the_sort_key(tmp_path):
    import json

    from django.core.management import call_command

    base = {"description": "说明。", "cluster": "新材料", "organization": "测试企业"}
    pairs = [("稀土抛光粉", "包头市九原区"), ("煤制烯烃", "鄂尔多斯"), ("海外需求", "德国")]
    rows = [
        base | {"external_id": f"R-{i}", "title": title, "region": region} for i, (title, region) in enumerate(pairs)
    ]
    path = tmp_path / "needs.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    call_command("import_postings", "--kind", "need", str(path))
    found = {n.title: n for n in TechnicalNeed.objects.select_related("division")}
    assert found["稀土抛光粉"].division.code == "150207"
    assert found["煤制烯烃"].division.code == "150600"
    assert found["海外需求"].division is None and found["海外需求"].region == "德国"
    assert found["煤制烯烃"].title_sort.startswith("mei0002")
    # re-import (update in place) keeps them filled
    rows[1]["region"] = "呼和浩特"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    call_command("import_postings", "--kind", "need", str(path))
    assert TechnicalNeed.objects.get(external_id="R-1").division.code == "150100"


# --- English names ----------------------------------------------------------------------------------


def test_every_league_city_banner_county_district_has_an_english_name():
    assert not Division.objects.filter(name_en="").exists()
    names = dict(Division.objects.values_list("code", "name_en"))
    assert (names["150121"], names["150102"], names["150600"], names["150622"]) == (
        "Tumed Left Banner",
        "Xincheng District",
        "Ordos",
        "Jungar Banner",
    )
    counties = list(Division.objects.filter(level="county").values_list("name_en", flat=True))
    assert len(counties) == 103
    # each names its kind, as official romanisations do (旗 Banner, 县 County, 区 District, 市 City)
    kinds = {"旗": "Banner", "县": "County", "区": "District", "市": "City"}
    for zh, en in Division.objects.filter(level="county").values_list("name_zh", "name_en"):
        assert en.endswith(kinds[zh[-1]]), (zh, en)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Jungar Banner", "150622"),
        ("Ordos Jungar Banner", "150622"),
        ("Ordos, Jungar", "150622"),
        ("Hohhot Xincheng District", "150102"),
        ("Tumed Left Banner", "150121"),
        ("Hinggan", "152200"),
    ],
)
def test_english_names_resolve(text, code):
    assert Division.objects.get(pk=region_resolve(text)).code == code


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_library_picker_list_and_detail_name_regions_in_the_pages_language(client, language):
    need = NeedFactory(title="颗粒硅还原炉节能", region="鄂尔多斯市准格尔旗")
    assert Division.objects.get(pk=need.division_id).code == "150622"
    client.cookies["django_language"] = language
    library = client.get(reverse("needs:library")).content.decode()
    detail = client.get(need.get_absolute_url()).content.decode()
    if language == "en":
        assert "Jungar Banner, Ordos" in library and "Jungar Banner, Ordos" in detail
        assert "Ordos (all of it)" in library and ">Tumed Left Banner<" in library
        assert "鄂尔多斯市准格尔旗" not in library and "鄂尔多斯市准格尔旗" not in detail
    else:
        assert "鄂尔多斯市准格尔旗" in library and "鄂尔多斯市准格尔旗" in detail
        assert ">准格尔旗<" in library and "Jungar" not in library + detail


def test_an_admin_edit_of_an_english_name_shows_at_once(client):
    need = NeedFactory(title="颗粒硅还原炉节能", region="准格尔旗")
    client.cookies["django_language"] = "en"
    assert "Jungar Banner, Ordos" in client.get(need.get_absolute_url()).content.decode()
    county = Division.objects.get(code="150622")
    county.name_en = "Jungar Qi"
    county.save()
    assert "Jungar Qi, Ordos" in client.get(need.get_absolute_url()).content.decode()


def test_a_region_outside_the_tree_is_shown_as_typed_in_english(client):
    need = NeedFactory(title="颗粒硅还原炉节能", region="宁夏银川")
    assert need.division_id is None
    client.cookies["django_language"] = "en"
    assert "宁夏银川" in client.get(need.get_absolute_url()).content.decode()
