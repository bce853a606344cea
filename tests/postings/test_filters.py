"""Library filters as a visitor uses them: a value that cannot be used is reported on its field and every
other field still applies; multi-choice filters are checkboxes; sorts say what they do; titles sort by
pinyin on both backends."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from achievements.models import Maturity
from mengkeju.core.models import CooperationMode, IndustryCluster
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    assert response.status_code == 200
    return [re.sub(r"</?mark>", "", t) for t in re.findall(r'<h3><a href="[^"]+">(.*?)</a>', response.content.decode())]


def _field_errors(response, name) -> list[str]:
    return response.context["filter"].form.errors.get(name, [])


@pytest.fixture
def silicon(org_a, org_b):
    NeedFactory(
        organization=org_a,
        title="多晶硅生产节能改造",
        description="我公司采用流化床法生产颗粒硅，希望降低能耗。",
        cluster="new-energy",
        budget_min_wan=100,
        budget_max_wan=300,
        region="鄂尔多斯市准格尔旗",
        cooperation_modes=["license"],
    )
    NeedFactory(organization=org_b, title="单晶硅片切割废料回收", description="金刚线切割产生的硅粉回收再利用。")
    NeedFactory(organization=org_b, title="饲料加工工艺升级", description="提高颗粒饲料的成型率。", cluster="agri-food")


def _stale_cluster():
    return str(IndustryCluster.objects.order_by("-pk").first().pk + 1000)


# (field, invalid value, a valid value of the same field that the need passes)
INVALID = [
    ("budget_max", "50万", "500"),
    ("budget_max", "很多", "500"),
    ("budget_min", "1e9999", "50"),
    ("budget_min", "一百", "50"),
    ("cluster", "stale", "new-energy"),
    ("cluster", "abc", "new-energy"),
    ("sort", "price", "-published"),
    ("sort", "'; DROP TABLE x", "title"),
    ("published_after", "2026-13-01", "2020-01-01"),
    ("published_before", "昨天", "2099-01-01"),
    ("region", "火星", "150000"),
    ("region", "999999", "鄂尔多斯"),
    ("mode", "999999", "license"),
]


def _value(field, value):
    if field == "cluster" and value == "stale":
        return _stale_cluster()
    if field == "cluster" and value == "new-energy":
        return str(IndustryCluster.objects.get(code=value).pk)
    if field == "mode" and value == "license":
        return str(CooperationMode.objects.get(code=value).pk)
    return value


@pytest.mark.parametrize(("field", "bad", "good"), INVALID)
@pytest.mark.parametrize("role", ["anonymous", "outsider"])
def test_an_invalid_field_shows_its_error_and_the_search_still_applies(
    field, bad, good, role, request, client_for, silicon
):
    client = client_for(request.getfixturevalue(role))
    url = reverse("needs:library")
    response = client.get(url, {"q": "颗粒硅", field: _value(field, bad)})
    assert _titles(response) == ["多晶硅生产节能改造"]  # the search word applied, not every need
    assert _field_errors(response, field), f"{field}={bad!r} shows no error"
    html = response.content.decode()
    assert f'id="{field}-errors"' in html and 'id="filter-notice"' in html
    # the same field with a usable value: no error, no notice
    response = client.get(url, {"q": "颗粒硅", field: _value(field, good)})
    assert _titles(response) == ["多晶硅生产节能改造"]
    assert not response.context["filter"].form.errors
    assert 'id="filter-notice"' not in response.content.decode()


def test_the_issue_example_budget_with_a_unit(client_for, anonymous, silicon):
    response = client_for(anonymous).get(reverse("needs:library"), {"q": "颗粒硅", "budget_max": "50万"})
    assert _titles(response) == ["多晶硅生产节能改造"]
    assert "万元" in _field_errors(response, "budget_max")[0]


def test_an_invalid_field_leaves_the_other_filters_applied(client_for, anonymous, silicon):
    agri = IndustryCluster.objects.get(code="agri-food").pk
    response = client_for(anonymous).get(reverse("needs:library"), {"cluster": agri, "budget_min": "很多"})
    assert _titles(response) == ["饲料加工工艺升级"]
    response = client_for(anonymous).get(
        reverse("needs:library"), {"cluster": _stale_cluster(), "region": "准格尔旗", "sort": "nonsense"}
    )
    assert _titles(response) == ["多晶硅生产节能改造"]  # region filter applied without the cluster
    assert set(response.context["filter"].form.errors) == {"cluster", "sort"}


def test_achievement_invalid_maturity_and_price_keep_the_search(client_for, anonymous, uni_u):
    AchievementFactory(organization=uni_u, title="颗粒硅流化床制备", maturity=Maturity.PILOT, price_wan=80)
    AchievementFactory(organization=uni_u, title="秸秆还田机械", maturity=Maturity.PILOT, price_wan=80)
    url = reverse("achievements:library")
    for query in ({"maturity": "mass"}, {"price_max": "八十"}, {"price_min": "10万元"}):
        response = client_for(anonymous).get(url, {"q": "颗粒硅", **query})
        assert _titles(response) == ["颗粒硅流化床制备"], query
        assert _field_errors(response, next(iter(query)))


def test_multi_choice_filters_are_checkboxes_and_selects_read_all(client_for, anonymous):
    html = client_for(anonymous).get(reverse("achievements:library")).content.decode()
    for value in Maturity.values:
        assert f'type="checkbox" name="maturity" value="{value}"' in html
    for mode in CooperationMode.objects.all():
        assert f'type="checkbox" name="mode" value="{mode.pk}"' in html
    assert '<option value="" selected>全部产业集群</option>' in html
    assert '<option value="" selected>全部地区</option>' in html


def test_two_modes_find_postings_with_either_once(client_for, anonymous, org_a):
    NeedFactory(organization=org_a, title="转让", cooperation_modes=["transfer"])
    NeedFactory(organization=org_a, title="许可与转让", cooperation_modes=["license", "transfer"])
    NeedFactory(organization=org_a, title="咨询", cooperation_modes=["consulting"])
    modes = [CooperationMode.objects.get(code=c).pk for c in ("transfer", "license")]
    titles = _titles(client_for(anonymous).get(reverse("needs:library"), {"mode": modes}))
    assert sorted(titles) == sorted(["转让", "许可与转让"])


def test_every_sort_option_says_what_it_does(client_for, anonymous, settings):
    settings.LANGUAGE_CODE = "en"
    html = client_for(anonymous).get(reverse("needs:library"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for label in ("Newest first", "Oldest first", "Title A–Z (by pinyin)", "Title Z–A (by pinyin)", "Best match first"):
        assert label in html


# a Latin letter sorts before the Chinese syllables that start with it (C before 重 chong)
PINYIN_ORDER = [
    "3D打印钛合金",
    "阿拉善盐湖提锂",
    "包头稀土永磁",
    "C++工控框架",
    "重庆火锅底料",
    "鄂尔多斯煤制油",
    "乳业菌种",
    "钻井液",
]


def test_title_a_to_z_sorts_by_pinyin(client_for, anonymous, org_a):
    """Runs in both passes: SQLite (byte order) and PostgreSQL (the database's collation)."""
    for index, title in enumerate(reversed(PINYIN_ORDER)):  # inserted out of order, published in another order
        NeedFactory(organization=org_a, title=title, published_at=timezone.now() - datetime.timedelta(days=index))
    client = client_for(anonymous)
    assert _titles(client.get(reverse("needs:library"), {"sort": "title"})) == PINYIN_ORDER
    assert _titles(client.get(reverse("needs:library"), {"sort": "-title"})) == PINYIN_ORDER[::-1]
    # code points would put 乳 (U+4E73) before 包 (U+5305) and 钻 last; pinyin puts 包 first
    assert sorted(PINYIN_ORDER[2:]) != PINYIN_ORDER[2:]


def test_oldest_first_and_newest_first(client_for, anonymous, org_a):
    for title, day in (("乙", 3), ("甲", 1), ("丙", 2)):
        NeedFactory(organization=org_a, title=title, published_at=timezone.make_aware(datetime.datetime(2026, 1, day)))
    client = client_for(anonymous)
    assert _titles(client.get(reverse("needs:library"), {"sort": "published"})) == ["甲", "丙", "乙"]
    assert _titles(client.get(reverse("needs:library"), {"sort": "-published"})) == ["乙", "丙", "甲"]
