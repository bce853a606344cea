"""The concept layer's second starter set (matching/data/concepts_general.tsv, migration 0015): it parses,
covers every cluster with specific technology words, reaches a database seeded before it without touching
what admins changed, and bridges a symptom the first set did not know."""

import importlib

import pytest
from django.apps import apps

from matching import knowledge, services
from matching.concepts import DATA, GENERAL, THIRD, ConceptLayer, ConceptLink, starter_links
from matching.generic import general_words
from matching.models import ConceptLink as ConceptLinkRow
from matching.models import PostingKind
from matching.scoring import Scorer, Stats
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms
from tests.factories import AchievementFactory, NeedFactory
from tests.matching.test_evidence import side

CLUSTERS = {"绿色农畜产品加工", "生物医药", "新材料", "新能源", "新一代信息技术", "现代装备制造", "现代化工", "*"}


def _key(link):
    return (link.cluster, link.problem, link.technology)


def test_the_general_set_parses_covers_every_cluster_and_names_specific_technologies():
    first, general = starter_links(DATA), starter_links(GENERAL)
    assert len(general) >= 300
    assert starter_links() == first + general + starter_links(THIRD)
    assert {link.cluster for link in general} == CLUSTERS
    for cluster in CLUSTERS - {"*"}:
        assert sum(link.cluster == cluster for link in general) >= 30, cluster
    generic = general_words()
    for link in general:
        assert link.groups() and all(link.groups()), link
        assert 3 <= len(link.technologies()) <= 7, link
        assert not [t for t in link.technologies() if t in generic], link
    # no relation of the first set repeated, none twice
    assert len({_key(x) for x in first + general}) == len(first) + len(general)


def test_a_symptom_only_the_general_set_knows_becomes_technology_words():
    layer = ConceptLayer(starter_links(GENERAL), Analyzer(starter_synonyms()))
    text = "锅炉房的压力变送器老是不准，读数跳，每周都要人去校"
    links = layer.expansion(text=text, cluster="新一代信息技术")
    assert {"传感器标定", "漂移补偿", "自校准"} <= {info["technology"] for _w, info in links.values()}
    assert (
        ConceptLayer(starter_links(DATA), Analyzer(starter_synonyms())).expansion(text=text, cluster="新一代信息技术")
        == {}
    )


@pytest.mark.django_db
def test_migration_adds_the_general_set_to_an_older_database_and_keeps_admins_changes():
    seed = importlib.import_module("matching.migrations.0015_seed_general_concept_links")
    general = {_key(link) for link in starter_links(GENERAL)}
    # a database seeded before the general set existed, where an admin switched one starter relation off
    # and edited another's technology words
    ConceptLinkRow.objects.all().delete()
    for link in starter_links(DATA):
        ConceptLinkRow.objects.create(cluster=link.cluster, problem=link.problem, technology=link.technology)
    off, edited = ConceptLinkRow.objects.order_by("pk")[:2]
    ConceptLinkRow.objects.filter(pk=off.pk).update(active=False)
    ConceptLinkRow.objects.filter(pk=edited.pk).update(technology="管理员改过的词")
    seed.forward(apps, None)
    rows = {(c.cluster, c.problem, c.technology) for c in ConceptLinkRow.objects.all()}
    assert general <= rows
    assert ConceptLinkRow.objects.count() == len(starter_links(DATA)) + len(general)
    assert not ConceptLinkRow.objects.get(pk=off.pk).active
    assert ConceptLinkRow.objects.get(pk=edited.pk).technology == "管理员改过的词"
    seed.forward(apps, None)  # twice: nothing more
    assert ConceptLinkRow.objects.count() == len(starter_links(DATA)) + len(general)
    seed.reverse(apps, None)
    assert ConceptLinkRow.objects.count() == len(starter_links(DATA))


def ranked_among_unrelated(need):
    """The need's whole calibrated ranking once four unrelated achievements (wind-turbine gearbox oil) are
    published beside the ones the test made: [(need id, achievement id, Scored)]."""
    for i in range(4):
        AchievementFactory(
            title=f"风电齿轮箱润滑油在线监测{i}",
            description="润滑油颗粒计数，齿轮箱磨损预警。",
            keywords=["润滑油", "磨损预警"],
            cluster="new-energy",
        )
    for kind in (PostingKind.ACHIEVEMENT, PostingKind.NEED):
        services.index_refresh(kind=kind)
    knowledge.knowledge_reset()
    return services.rank_for(kind=PostingKind.NEED, posting_id=need.pk, everything=True)


@pytest.mark.django_db
def test_the_matcher_proposes_the_technology_for_the_symptom_and_says_why():
    need = NeedFactory(
        title="压力变送器读数老跳",
        description="锅炉房的压力变送器老是不准，读数跳，每周都要人去校一遍。",
        keywords=["变送器"],
        cluster="next-gen-it",
    )
    hit = AchievementFactory(
        title="工业传感器在线漂移补偿与自校准方法",
        description="基于软测量模型的传感器漂移补偿，实现现场自校准，减少人工标定。",
        keywords=["漂移补偿", "自校准", "传感器标定"],
        cluster="next-gen-it",
    )
    ranked = ranked_among_unrelated(need)
    assert ranked and ranked[0][1] == hit.pk
    links = ranked[0][2].explanation["link_terms"]
    assert links and {"传感器标定", "漂移补偿", "自校准"} & {t["technology"] for t in links}


# needs a newcomer wrote (2026-11-30) on which a relation fired through a character inside another word,
# with the technology term the diagnosis wrongly suggested
FALSE_CUES = [
    ("风干牛肉干，原料要求瘦肉多", "绿色农畜产品加工", "营养舔砖"),  # 牛 inside 牛肉
    ("羊肚菌大棚种植，菌丝长得慢", "绿色农畜产品加工", "育肥日粮"),  # 羊 inside 羊肚菌
    ("夏天牛奶配送容易变酸", "绿色农畜产品加工", "热应激"),  # 牛 inside 牛奶
    ("马铃薯龙葵素中毒快速检测", "生物医药", "疯草中毒"),  # 马 inside 马铃薯
    ("风电场激光雷达测风", "新能源", "叶片防雷"),  # 雷 inside 雷达
    ("奶企雪糕冷链配送，道路远", "*", "环保融雪剂"),  # 雪 inside 雪糕
]


@pytest.mark.parametrize(("text", "cluster", "technology"), FALSE_CUES)
def test_a_one_character_cue_inside_another_word_fires_nothing(text, cluster, technology):
    layer = ConceptLayer(starter_links(), Analyzer(starter_synonyms()))
    suggested = {t for s in layer.suggestions(text=text, cluster=cluster) for t in s["technologies"]}
    assert technology not in suggested


@pytest.mark.parametrize(
    ("text", "fires"),
    [("牛拉稀，犊牛腹泻死亡多", True), ("奶牛冬天拉稀", True), ("牛奶拉稀", False), ("牛奶腹泻", False)],
)
def test_a_one_character_cue_counts_as_a_word_or_the_head_of_a_compound(text, fires):
    """Chinese compounds are right-headed: 奶牛 and 犊牛 are kinds of 牛, 牛奶 is a kind of milk."""
    link = ConceptLink("生物医药", "牛 拉稀|腹泻", "腹泻防治、益生菌")
    layer = ConceptLayer([link], Analyzer(starter_synonyms()))
    assert bool(layer.applying(text=text, cluster="生物医药")) is fires


def test_one_word_of_a_technology_term_is_no_evidence_the_whole_term_is():
    analyzer = Analyzer(starter_synonyms())
    layer = ConceptLayer([ConceptLink("新材料", "墙|砖 返碱|泛白", "渗透结晶防水")], analyzer)
    links = layer.expansion(text="外墙瓷砖返碱，一片白", cluster="新材料")
    need = side("need", "新材料", ["外墙"], "外墙瓷砖返碱", "外墙瓷砖返碱，一片白。")
    partial = side("a", "新材料", ["乳糖醇"], "乳清母液结晶制备乳糖醇", "冷却结晶，渗透压。")
    whole = side("b", "新材料", ["防水材料"], "水泥基渗透结晶防水材料", "渗透结晶防水，抗渗。")
    scorer = Scorer(stats=Stats.from_sides([partial, whole]), generic=general_words())
    query = scorer.query(need, analyzer.expand(need.terms), links=links)
    assert scorer.score(query, partial).components["link_evidence"] == 0
    scored = scorer.score(query, whole)
    assert scored.components["link_evidence"] >= 1
    assert {t["technology"] for t in scored.explanation["link_terms"]} == {"渗透结晶防水"}
    assert all("words" not in t for t in scored.explanation["link_terms"])  # no internal list in the JSON


@pytest.mark.parametrize(
    "title, text, evidence",
    [
        ("口腔龈上菌斑DNA提取方法比较", "样品反复冻融三次后提取DNA。", False),  # 冻融 without 抗: another meaning
        ("冻融循环下的岩石裂缝扩展", "冻融循环使岩石裂缝扩展。", False),
        ("寒区沥青路面抗冻融改性技术", "改性沥青抗冻融，减少开春路面裂缝。", True),
    ],
)
def test_a_technology_term_counts_only_with_every_part_even_one_character_ones(title, text, evidence):
    """A newcomer's need "一开春路面就裂缝、坑槽" got a dental-plaque DNA extraction ("反复冻融") proposed
    through the relation 路面 → 抗冻融: the term's one-character part 抗 was dropped from the check, so 冻融
    alone counted as naming the technology. Every token of the term must be there."""
    analyzer = Analyzer(starter_synonyms())
    layer = ConceptLayer([ConceptLink("新材料", "路面|沥青 裂|坑槽", "抗冻融")], analyzer)
    links = layer.expansion(text="一开春路面就裂缝、坑槽", cluster="新材料")
    need = side("need", "新材料", [], "路面开春裂缝坑槽", "一开春路面就裂缝、坑槽。")
    achievement = side("a", "新材料", [], title, text)
    scorer = Scorer(stats=Stats.from_sides([achievement]), generic=general_words())
    scored = scorer.score(scorer.query(need, analyzer.expand(need.terms), links=links), achievement)
    assert (scored.components["link_evidence"] >= 1) is evidence
    assert all("parts" not in t and "words" not in t for t in scored.explanation["link_terms"])


@pytest.mark.django_db
def test_every_shipped_relation_passes_the_editors_checks():
    """The editor refuses relations resting on generic words (below); the starter sets hold none."""
    from django.core.exceptions import ValidationError

    from matching.services import _concept_clean

    refused = []
    for link in starter_links():
        try:
            _concept_clean(cluster=link.cluster, problem=link.problem, technology=link.technology, note="")
        except ValidationError as exc:
            refused.append((_key(link), exc.message_dict))
    assert refused == []
