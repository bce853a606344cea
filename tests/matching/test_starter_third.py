"""The third concept set (matching/data/concepts_third.tsv, migration 0016) and the colloquial synonym list
(mengkeju/lib/textanalysis/data/synonyms_colloquial.tsv, migration 0017), both written blind: they parse,
repeat nothing already shipped, reach a database seeded before them without undoing what admins changed,
and let an enterprise's everyday word find the achievement's technical term."""

import importlib

import pytest
from django.apps import apps

from matching.concepts import DATA, GENERAL, THIRD, ConceptLayer, starter_links
from matching.generic import general_words
from matching.models import ConceptLink as ConceptLinkRow
from matching.models import Synonym
from matching.scoring import Scorer, Stats
from mengkeju.lib.textanalysis import Analyzer, seed_synonyms, starter_synonyms
from tests.factories import AchievementFactory, NeedFactory
from tests.matching.test_concepts_general import CLUSTERS, _key, ranked_among_unrelated
from tests.matching.test_evidence import side

COLLOQUIAL = "synonyms_colloquial.tsv"


def test_the_third_set_parses_covers_every_cluster_and_repeats_no_relation():
    earlier, third = starter_links(DATA) + starter_links(GENERAL), starter_links(THIRD)
    assert len(third) >= 300
    assert {link.cluster for link in third} == CLUSTERS
    generic = general_words()
    for link in third:
        assert link.groups() and all(link.groups()), link
        assert 3 <= len(link.technologies()) <= 7, link
        assert not [t for t in link.technologies() if t in generic], link
    assert len({_key(x) for x in earlier + third}) == len(earlier) + len(third)


@pytest.mark.parametrize(
    ("text", "cluster", "technology"),
    [
        ("车间电焊工越来越难招，老师傅都快退休了", "现代装备制造", "焊接机器人"),
        ("店里进销存还是手工记本子，月底账总对不上", "新一代信息技术", "进销存软件"),
        ("老房子的窗户冬天漏风，窗缝结霜", "新能源", "节能门窗"),
    ],
)
def test_a_problem_only_the_third_set_knows_becomes_technology_words(text, cluster, technology):
    analyzer = Analyzer(starter_synonyms())

    def suggested(links):
        layer = ConceptLayer(links, analyzer)
        return {t for s in layer.suggestions(text=text, cluster=cluster) for t in s["technologies"]}

    assert technology in suggested(starter_links(THIRD))
    assert technology not in suggested(starter_links(DATA) + starter_links(GENERAL))


@pytest.mark.django_db
def test_migration_adds_the_third_set_to_an_older_database_and_keeps_admins_changes():
    seed = importlib.import_module("matching.migrations.0016_seed_third_concept_links")
    earlier = starter_links(DATA) + starter_links(GENERAL)
    ConceptLinkRow.objects.all().delete()
    for link in earlier:
        ConceptLinkRow.objects.create(cluster=link.cluster, problem=link.problem, technology=link.technology)
    off = ConceptLinkRow.objects.order_by("pk").first()
    ConceptLinkRow.objects.filter(pk=off.pk).update(active=False)
    seed.forward(apps, None)
    seed.forward(apps, None)  # twice: nothing more
    assert {_key(link) for link in starter_links(THIRD)} <= {
        (c.cluster, c.problem, c.technology) for c in ConceptLinkRow.objects.all()
    }
    assert ConceptLinkRow.objects.count() == len(earlier) + len(starter_links(THIRD))
    assert not ConceptLinkRow.objects.get(pk=off.pk).active
    seed.reverse(apps, None)
    assert ConceptLinkRow.objects.count() == len(earlier)


def test_the_colloquial_list_parses_and_repeats_no_pair():
    first, colloquial = starter_synonyms(["synonyms.tsv"]), starter_synonyms([COLLOQUIAL])
    assert len(colloquial) >= 300
    assert starter_synonyms() == first + colloquial
    generic = general_words()
    pairs = {frozenset((term, synonym)) for term, synonym, _note in first}
    for term, synonym, _note in colloquial:
        pair = frozenset((term, synonym))
        assert len(pair) == 2 and pair not in pairs, (term, synonym)
        pairs.add(pair)
    for term, synonym, _note in colloquial:
        for word in (term, synonym):
            assert 2 <= len(word) <= 12 and " " not in word and "|" not in word, word
            assert word not in generic, word


@pytest.mark.django_db
def test_migration_adds_the_colloquial_synonyms_to_an_older_database_once():
    seed = importlib.import_module("matching.migrations.0017_seed_colloquial_synonyms")
    first, colloquial = starter_synonyms(["synonyms.tsv"]), starter_synonyms([COLLOQUIAL])
    Synonym.objects.all().delete()
    seed_synonyms(Synonym, first)  # a database seeded before the colloquial list existed
    before = Synonym.objects.count()
    term, synonym, _note = colloquial[0]
    Synonym.objects.create(term=synonym, synonym=term, note="an admin's pair, the other way round")
    seed.forward(apps, None)
    seed.forward(apps, None)  # twice: nothing more
    assert Synonym.objects.count() == before + len(colloquial)
    assert Synonym.objects.get(term=synonym, synonym=term).note == "an admin's pair, the other way round"
    seed.reverse(apps, None)  # the admin's pair stays
    assert Synonym.objects.count() == before + 1


# an enterprise's everyday word, the achievement's technical term (pairs of the colloquial list)
EVERYDAY = [
    ("勾机", "挖掘机", "现代装备制造"),
    ("龙门吊", "门式起重机", "现代装备制造"),
    ("苞米", "玉米", "绿色农畜产品加工"),
    ("烧碱", "氢氧化钠", "现代化工"),
]


@pytest.mark.parametrize(("everyday", "technical", "cluster"), EVERYDAY)
def test_an_everyday_word_is_evidence_for_its_technical_term(everyday, technical, cluster):
    analyzer = Analyzer(starter_synonyms())
    need = side("need", cluster, [everyday], f"{everyday}老出毛病", f"我们的{everyday}用了几年，想找人看看。")
    doc = side("doc", cluster, [technical], f"{technical}状态监测与维护", f"{technical}在线监测。")
    noise = [side(f"n{i}", cluster, ["粉煤灰"], f"粉煤灰提铝{i}", "粉煤灰提取氧化铝。") for i in range(6)]
    scorer = Scorer(stats=Stats.from_sides([doc, *noise]), generic=general_words())
    scored = scorer.score(scorer.query(need, analyzer.expand(need.terms)), doc)
    assert scored.components["evidence"] >= 1
    assert technical in {t["term"] for t in scored.explanation["synonym_terms"]}
    # without the colloquial list the two share nothing specific
    plain = Analyzer(starter_synonyms(["synonyms.tsv"]))
    need_plain = side("need", cluster, [everyday], f"{everyday}老出毛病", f"我们的{everyday}用了几年，想找人看看。")
    assert scorer.score(scorer.query(need_plain, plain.expand(need_plain.terms)), doc).components["evidence"] == 0


@pytest.mark.django_db
def test_the_matcher_proposes_the_achievement_written_in_technical_terms():
    need = NeedFactory(
        title="工地上的勾机液压老漏油",
        description="我们有十几台勾机，液压管接头老漏油，想找人看看有没有好办法。",
        keywords=["勾机", "漏油"],
        cluster="equipment",
    )
    hit = AchievementFactory(
        title="挖掘机液压系统泄漏在线监测与密封改进",
        description="针对挖掘机液压管路接头泄漏，提出在线监测与新型密封结构。",
        keywords=["挖掘机", "液压泄漏", "密封"],
        cluster="equipment",
    )
    ranked = ranked_among_unrelated(need)
    assert ranked and ranked[0][1] == hit.pk
    assert "挖掘机" in {t["term"] for t in ranked[0][2].explanation["synonym_terms"]}
