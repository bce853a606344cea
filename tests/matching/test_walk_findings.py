"""What newcomers walking the need form and the matcher's pages tripped over (stops 16 and 17): words of
grammar taken for topics, figures the diagnosis did not see, a long search silently ignored, a note-only
edit shown as "no change", the calibration's name shown as the concept layer's version."""

import pytest
from django.urls import reverse
from django.utils import translation

from matching import knowledge
from matching.diagnosis import need_diagnosis
from matching.generic import general_words, is_function_word
from matching.models import ConceptLink, ConceptLinkChange
from matching.scoring import Scorer, Stats
from mengkeju.lib.textanalysis import default_analyzer
from tests.matching.test_evidence import NOISE, A, evidence_of, side

# --- words of grammar are no evidence and not "understood" -----------------------------------------------


@pytest.mark.parametrize("word", ["低于", "高于", "不到", "每份", "以上", "多次", "大量", "不够", "可以"])
def test_words_of_grammar_are_function_words(word):
    assert is_function_word(word)


@pytest.mark.parametrize("word", ["低温", "高速", "大豆", "小麦", "无人机", "多晶硅", "上游", "能源", "马铃薯"])
def test_words_with_a_thing_in_them_are_not(word):
    assert not is_function_word(word)


@pytest.mark.parametrize(
    ("need_text", "doc_text", "shared"),
    [
        ("牛奶每份成本低于两元", "铝合金每份成本低于三元", "低于"),
        ("焊工招不到人", "冬季产量不到一半", "不到"),
        ("奶粉冲调每份偏少", "螺栓包装每份十个", "每份"),
    ],
)
def test_a_pair_sharing_only_words_of_grammar_has_no_evidence(need_text, doc_text, shared):
    need = side("need", "农畜产品精深加工", [need_text[:4]], need_text, need_text)
    doc = side("doc", "农畜产品精深加工", [doc_text[:4]], doc_text, doc_text)
    assert shared in need.words and shared in doc.words  # the segmenter does cut the word out of both
    assert shared in need.terms and shared in doc.terms
    evidence, scorer = evidence_of(need, doc)
    assert evidence == 0 and not scorer.is_evidence_word(shared)


def test_english_words_of_grammar_and_generic_english_are_no_evidence_but_a_latin_term_is():
    need = side("need", "新一代信息技术", ["OPC"], "the control system of a PLC line", "based on the data of our line")
    doc = side("doc", "新一代信息技术", ["MES"], "the control system of a MES platform", "based on the data of MES")
    assert {"the", "of", "control", "system"} <= need.words & doc.words
    assert evidence_of(need, doc)[0] == 0
    plc = side("plc", "新一代信息技术", ["PLC"], "PLC fault diagnosis", "PLC line fault diagnosis")
    assert evidence_of(need, plc)[0] >= 1


def test_a_specific_word_next_to_them_is_still_evidence():
    need = side("need", "农畜产品精深加工", ["驼乳"], "驼乳每份成本低于两元", "驼乳加工")
    doc = side("doc", "农畜产品精深加工", ["驼乳"], "驼乳粉每份成本低于三元", "驼乳喷雾干燥")
    scorer = Scorer(stats=Stats.from_sides([doc, *NOISE]), generic=general_words())
    query = scorer.query(need, A.expand(need.terms))
    words = [w for w, _kind, _idf in scorer.score_and_evidence(query, doc)[1]]
    assert "驼乳" in words and "低于" not in words and "每份" not in words


@pytest.mark.django_db
def test_the_diagnosis_understands_the_thing_not_the_grammar():
    diagnosis = need_diagnosis(title="焊工招不到，焊缝质量不够稳定", keywords=["焊接", "the", "of"])
    assert "焊工" in diagnosis["understood"] and "焊缝" in diagnosis["understood"]
    assert not {"不到", "不够", "the", "of"} & set(diagnosis["understood"])


@pytest.mark.django_db
def test_the_diagnosis_reads_words_by_the_scorers_rule():
    """智能控制 is made only of generic words (智能 + 控制): no proposal can rest on it, so the diagnosis does
    not list it as understood and calls the keyword general, as the scorer sees it."""
    from matching import knowledge
    from matching.scoring import Scorer, Stats

    diagnosis = need_diagnosis(
        title="马铃薯智能控制系统", description="分选马铃薯。", keywords=["智能控制", "马铃薯分选", "机器视觉"]
    )
    assert "智能控制" not in diagnosis["understood"]
    assert {"马铃薯", "机器视觉"} <= set(diagnosis["understood"])
    assert any("智能控制" in line and "机器视觉" not in line for line in diagnosis["advice"])
    scorer = Scorer(stats=Stats.from_sides([]), generic=knowledge.generic_words())
    assert all(scorer.is_evidence_word(word) for word in diagnosis["understood"])


# --- figures with units ------------------------------------------------------------------------------

NO_FIGURES = "Give target figures"


def figures_advice(**need) -> list[str]:
    with translation.override("en"):
        return [line for line in need_diagnosis(**need)["advice"] if NO_FIGURES in line]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "description",
    [
        "厂房约8000平方米，冬季采暖费用高。",
        "存栏3万头，粪污处理跟不上。",
        "每天耗电3千度，想降下来。",
        "设备运行3年后振动变大。",
        "每小时处理12.5吨物料。",
        "要求精度±0.02 mm。",
        "日处理污水500立方米。",
    ],
)
def test_a_figure_with_its_unit_is_seen(description):
    assert not figures_advice(title="厂房采暖", description=description)


@pytest.mark.django_db
@pytest.mark.parametrize("description", ["2023年以来一直开裂。", "一开春路面就裂缝、坑槽。", "温度不够，效果不好。"])
def test_a_year_or_no_number_is_no_figure(description):
    assert figures_advice(title="路面开裂", description=description)


# --- the matcher's pages ---------------------------------------------------------------------------------

LONG = "勾机" * 30  # 60 characters, above the 50 a search takes


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["matching:synonyms", "matching:concepts"])
def test_a_search_too_long_says_so_keeps_what_was_typed_and_lists_nothing(name, cast, client_for):
    response = client_for(cast["admin"]).get(reverse(name), {"q": LONG})
    html = response.content.decode()
    assert response.status_code == 200
    assert "最多 50 个字符" in html and "60" in html  # the reason, with both numbers
    assert f'value="{LONG}"' in html
    assert "未搜索" in html and not list(response.context["page"])
    short = client_for(cast["admin"]).get(reverse(name), {"q": "勾机"})
    assert "最多 50 个字符" not in short.content.decode()


@pytest.mark.django_db
def test_a_note_only_edit_shows_the_notes_before_and_after(cast, client_for):
    link = ConceptLink.objects.order_by("pk").first()
    admin = client_for(cast["admin"])
    data = {"cluster": link.cluster, "problem": link.problem, "technology": link.technology}
    admin.post(reverse("matching:concept_edit", args=[link.pk]), {**data, "note": "旧备注"})
    admin.post(reverse("matching:concept_edit", args=[link.pk]), {**data, "note": "新备注：北方常见"})
    change = ConceptLinkChange.objects.filter(link=link).order_by("-at", "-id").first()
    assert (change.before["note"], change.after["note"]) == ("旧备注", "新备注：北方常见")
    html = admin.get(reverse("matching:concept_edit", args=[link.pk])).content.decode()
    assert "旧备注" in html and "新备注：北方常见" in html


@pytest.mark.django_db
def test_the_concept_page_shows_the_layers_version_not_the_calibrations(cast, client_for):
    html = client_for(cast["broker"]).get(reverse("matching:concepts")).content.decode()
    layer = knowledge.concept_layer(default_analyzer())
    assert knowledge.concept_version(layer) in html
    assert f"{len(layer.links)} 条" in html
    assert knowledge.calibrator().version not in html
