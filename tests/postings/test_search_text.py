"""Issue 8's failing inputs through the library pages (both backends): what a visitor types, what they
see found, highlighted, ranked; synonyms an admin adds apply at once."""

import re

import pytest
from django.urls import reverse

from matching import services as matching_services
from matching.models import Synonym
from mengkeju.postings.templatetags.search_tags import highlight
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    assert response.status_code == 200
    found = re.findall(r'<h3><a href="[^"]+">(.*?)</a>', response.content.decode())
    return [re.sub(r"</?mark>", "", t) for t in found]


@pytest.fixture
def software(uni_u):
    for title in ["基于C++的工业控制实时软件框架", "C#上位机数据采集软件", "沙棘维生素C高效提取工艺"]:
        AchievementFactory(organization=uni_u, title=title, description="技术成熟，可转让。")


def test_q_cpp_finds_the_cpp_achievement_only(client_for, anonymous, software):
    client = client_for(anonymous)
    assert _titles(client.get(reverse("achievements:library"), {"q": "C++"})) == ["基于C++的工业控制实时软件框架"]
    assert _titles(client.get(reverse("achievements:library"), {"q": "C#"})) == ["C#上位机数据采集软件"]
    assert _titles(client.get(reverse("achievements:library"), {"q": "维生素C"})) == ["沙棘维生素C高效提取工艺"]


def test_q_304_finds_the_304_steel_only(client_for, anonymous, uni_u):
    AchievementFactory(organization=uni_u, title="304不锈钢焊接变形控制技术")
    AchievementFactory(organization=uni_u, title="316L不锈钢医用植入件表面处理")
    AchievementFactory(organization=uni_u, title="稀土永磁材料", description="2023年获304万元资助以外的其他项目。")
    client = client_for(anonymous)
    found = _titles(client.get(reverse("achievements:library"), {"q": "304"}))
    assert "316L不锈钢医用植入件表面处理" not in found and "304不锈钢焊接变形控制技术" in found
    assert _titles(client.get(reverse("achievements:library"), {"q": "304不锈钢"})) == ["304不锈钢焊接变形控制技术"]


def test_traditional_title_is_found_by_simplified_query_and_shown_marked(client_for, anonymous, uni_u):
    AchievementFactory(organization=uni_u, title="碳纖維複合材料風電葉片")
    response = client_for(anonymous).get(reverse("achievements:library"), {"q": "碳纤维"})
    assert _titles(response) == ["碳纖維複合材料風電葉片"]
    assert "<mark>碳纖維</mark>複合材料" in response.content.decode()


def test_en_dash_in_the_title_and_hyphen_in_the_query(client_for, anonymous, uni_u):
    AchievementFactory(organization=uni_u, title="耐高温α–淀粉酶发酵生产技术")
    response = client_for(anonymous).get(reverse("achievements:library"), {"q": "α-淀粉酶"})
    assert _titles(response) == ["耐高温α–淀粉酶发酵生产技术"]
    assert "<mark>α–淀粉酶</mark>" in response.content.decode()


def test_a_word_jieba_cut_differently_in_the_title(client_for, anonymous, uni_u):
    AchievementFactory(organization=uni_u, title="发酵过程在线拉曼光谱监测系统")
    response = client_for(anonymous).get(reverse("achievements:library"), {"q": "拉曼"})
    assert _titles(response) == ["发酵过程在线拉曼光谱监测系统"]
    assert "在线<mark>拉曼</mark>光谱" in response.content.decode()


def test_single_character_and_industry_word_on_needs(client_for, anonymous, org_a):
    titles = ["粉煤灰大宗高值化利用", "薄煤层综采工作面智能化开采", "煤气化细渣残炭分离与利用", "乳制品全链条质量追溯"]
    for title in titles:
        NeedFactory(organization=org_a, title=title)
    client = client_for(anonymous)
    assert len(_titles(client.get(reverse("needs:library"), {"q": "煤"}))) == 3
    assert _titles(client.get(reverse("needs:library"), {"q": "乳业"})) == ["乳制品全链条质量追溯"]


def test_several_words_are_an_and(client_for, anonymous, org_a):
    NeedFactory(organization=org_a, title="高纯颗粒硅制备", description="流化床法制备颗粒硅。")
    NeedFactory(organization=org_a, title="饲料加工工艺升级", description="提高颗粒饲料的成型率。")
    NeedFactory(organization=org_a, title="单晶硅片切割废料回收")
    assert _titles(client_for(anonymous).get(reverse("needs:library"), {"q": "颗粒 硅"})) == ["高纯颗粒硅制备"]


def test_title_and_keywords_rank_above_description(client_for, anonymous, uni_u):
    AchievementFactory(organization=uni_u, title="草原生态修复技术", description="矿区排土场植被恢复，兼顾石墨烯监测。")
    AchievementFactory(organization=uni_u, title="导热膜", keywords=["石墨烯"], description="用于散热。")
    AchievementFactory(organization=uni_u, title="石墨烯导热膜规模化制备", description="用于散热。")
    order = _titles(client_for(anonymous).get(reverse("achievements:library"), {"q": "石墨烯"}))
    assert order[-1] == "草原生态修复技术" and len(order) == 3


def test_an_admin_adding_a_pair_changes_results_at_once(
    client_for, anonymous, uni_u, django_capture_on_commit_callbacks
):
    AchievementFactory(organization=uni_u, title="流化床粒状多晶硅制备技术")
    client = client_for(anonymous)
    assert _titles(client.get(reverse("achievements:library"), {"q": "颗粒硅"})) == []
    with django_capture_on_commit_callbacks(execute=True):
        matching_services.synonym_create(term="颗粒硅", synonym="粒状多晶硅")
    assert _titles(client.get(reverse("achievements:library"), {"q": "颗粒硅"})) == ["流化床粒状多晶硅制备技术"]
    pair = Synonym.objects.get(term="颗粒硅")
    with django_capture_on_commit_callbacks(execute=True):
        matching_services.synonym_delete(synonym=pair)
    assert _titles(client.get(reverse("achievements:library"), {"q": "颗粒硅"})) == []


def test_highlight_escapes_and_marks_whole_latin_words():
    assert highlight("<b>C++</b> 与 C", "C++") == "&lt;b&gt;<mark>C++</mark>&lt;/b&gt; 与 C"
    assert highlight("维生素C与C++", "C") == "维生素<mark>C</mark>与C++"
    assert highlight("ＡＢＣ１２３型", "abc123") == "<mark>ＡＢＣ１２３</mark>型"
    assert highlight("无关", "") == "无关"
    assert highlight("光伏组件", {"q": "光伏"}) == "<mark>光伏</mark>组件"


def test_the_index_follows_edits_and_deletes(uni_u):
    from achievements.models import Achievement
    from mengkeju.postings import services
    from mengkeju.postings.search import search

    posting = AchievementFactory(organization=uni_u, title="发酵过程在线拉曼光谱监测系统")
    other = AchievementFactory(organization=uni_u, title="拉曼光谱快速检测")
    assert set(search(Achievement.objects.all(), "拉曼")) == {posting, other}
    Achievement.objects.filter(pk=posting.pk).update(title="发酵过程在线近红外监测系统")
    services.posting_reindex(posting=Achievement.objects.get(pk=posting.pk))
    assert list(search(Achievement.objects.all(), "拉曼")) == [other]
    assert list(search(Achievement.objects.all(), "近红外")) == [posting]
    other.delete()
    assert list(search(Achievement.objects.all(), "拉曼")) == []
    assert list(search(Achievement.objects.all(), "近红外")) == [posting]
