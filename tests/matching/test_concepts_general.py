"""The concept layer's second starter set (matching/data/concepts_general.tsv, migration 0015): it parses,
covers every cluster with specific technology words, reaches a database seeded before it without touching
what admins changed, and bridges a symptom the first set did not know."""

import importlib

import pytest
from django.apps import apps

from matching import knowledge, services
from matching.concepts import DATA, GENERAL, ConceptLayer, starter_links
from matching.generic import general_words
from matching.models import ConceptLink, PostingKind
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms
from tests.factories import AchievementFactory, NeedFactory

CLUSTERS = {"绿色农畜产品加工", "生物医药", "新材料", "新能源", "新一代信息技术", "现代装备制造", "现代化工", "*"}


def _key(link):
    return (link.cluster, link.problem, link.technology)


def test_the_general_set_parses_covers_every_cluster_and_names_specific_technologies():
    first, general = starter_links(DATA), starter_links(GENERAL)
    assert len(general) >= 300
    assert starter_links() == first + general
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
    ConceptLink.objects.all().delete()
    for link in starter_links(DATA):
        ConceptLink.objects.create(cluster=link.cluster, problem=link.problem, technology=link.technology)
    off, edited = ConceptLink.objects.order_by("pk")[:2]
    ConceptLink.objects.filter(pk=off.pk).update(active=False)
    ConceptLink.objects.filter(pk=edited.pk).update(technology="管理员改过的词")
    seed.forward(apps, None)
    rows = {(c.cluster, c.problem, c.technology) for c in ConceptLink.objects.all()}
    assert general <= rows
    assert ConceptLink.objects.count() == len(starter_links(DATA)) + len(general)
    assert not ConceptLink.objects.get(pk=off.pk).active
    assert ConceptLink.objects.get(pk=edited.pk).technology == "管理员改过的词"
    seed.forward(apps, None)  # twice: nothing more
    assert ConceptLink.objects.count() == len(starter_links(DATA)) + len(general)
    seed.reverse(apps, None)
    assert ConceptLink.objects.count() == len(starter_links(DATA))


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
    ranked = services.rank_for(kind=PostingKind.NEED, posting_id=need.pk, everything=True)
    assert ranked and ranked[0][1] == hit.pk
    links = ranked[0][2].explanation["link_terms"]
    assert links and {"传感器标定", "漂移补偿", "自校准"} & {t["technology"] for t in links}
