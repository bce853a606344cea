"""Term associations learned from the corpus (matching.associations): PPMI + SVD over the words postings use
together, as data, and how they enter a query and an explanation."""

import pytest

from matching.associations import Associations, learn


def _corpus():
    # heating words travel together, road words travel together; filler words make every posting distinct
    heating = [["烧煤", "热泵", "保温", f"牧区{i}"] for i in range(6)]
    heating += [["热泵", "保温", f"样本{i}"] for i in range(4)]
    roads = [["沥青", "裂缝", "冻融", f"公路{i}"] for i in range(6)]
    roads += [["沥青", "冻融", f"路段{i}"] for i in range(4)]
    return heating + roads + [["热泵", "沥青"]]


def test_words_used_in_the_same_postings_are_associated_and_others_are_not():
    learned = learn(_corpus(), min_df=3, max_df_share=1.0, dimensions=4, min_similarity=0.5, min_cooccur=2)
    near = dict(learned.neighbours["烧煤"])
    assert "热泵" in near and "保温" in near
    assert "沥青" not in near and "裂缝" not in near
    assert "冻融" in dict(learned.neighbours["裂缝"])
    assert all(0.5 <= cos <= 1.0 for pairs in learned.neighbours.values() for _w, cos in pairs)
    # words of fewer than min_df postings are never associated (公路0 is in one)
    assert not any(w.startswith("公路") for pairs in learned.neighbours.values() for w, _c in pairs)
    assert learned.info["postings"] == 21


def test_excluded_words_are_never_associated():
    learned = learn(
        _corpus(), is_word=lambda w: w != "保温", min_df=3, max_df_share=1.0, dimensions=4, min_similarity=0.5
    )
    assert "保温" not in learned.neighbours
    assert "保温" not in {w for pairs in learned.neighbours.values() for w, _c in pairs}


@pytest.mark.parametrize("corpus", [[], [["热泵"]], [["热泵", "保温"], ["热泵"]]])
def test_a_tiny_corpus_gives_no_associations_not_an_error(corpus):
    assert not learn(corpus)


def test_expansion_weighs_associated_words_and_survives_a_round_trip():
    a = Associations({"烧煤": [("热泵", 0.8), ("保温", 0.6)], "屋里冷": [("保温", 0.9)]}, version="v1")
    again = Associations.from_params(a.to_params(), version="v1")
    assert again.neighbours == a.neighbours
    out = again.expansion({"烧煤": 2.0, "屋里冷": 1.0}, factor=0.5, skip=["热泵"])
    assert set(out) == {"保温"}  # 热泵 is already in the query
    weight, info = out["保温"]
    assert weight == pytest.approx(0.6)  # max(0.5 × 0.6 × 2.0, 0.5 × 0.9 × 1.0)
    assert info == {"source": "烧煤", "similarity": 0.6}


def test_association_evidence_reads_as_a_plain_sentence():
    from django.utils import translation

    from matching.explain import plain_explanation

    explanation = {"association_terms": [{"term": "虫卵", "source": "驱虫", "similarity": 0.96, "evidence": True}]}
    with translation.override("zh-hans"):
        assert "语料关联：驱虫 ≈ 虫卵" in plain_explanation(explanation)
    with translation.override("en"):
        assert "Used together in the platform's postings: 驱虫 ≈ 虫卵" in plain_explanation(explanation)


# -- learned from the platform's index, versioned, and used by the matcher only when switched on -------------


def _platform_corpus():
    from tests.factories import AchievementFactory, NeedFactory

    heating, roads = ["热泵", "保温", "供暖", "墙体"], ["沥青", "冻融", "路面", "裂缝"]
    for _ in range(3):
        for words, cluster in ((heating, "new-energy"), (roads, "equipment")):
            AchievementFactory(title="".join(words), description="，".join(words), keywords=words, cluster=cluster)
    need = NeedFactory(
        title="沙棘饮料放久起絮", description="沙棘饮料放久了起絮。", keywords=["沙棘"], cluster="agri-food"
    )
    ach = AchievementFactory(
        title="浆果清汁超滤技术", description="浆果清汁超滤。", keywords=["超滤"], cluster="agri-food"
    )
    return need, ach


@pytest.mark.django_db
def test_learn_associations_saves_a_version_from_the_index_and_activates_it_when_asked(settings):
    from django.core.management import call_command

    from matching import knowledge, learning, services
    from matching.models import LearnedModel, PostingKind

    _platform_corpus()
    for kind in (PostingKind.ACHIEVEMENT, PostingKind.NEED):
        services.index_refresh(kind=kind)
    # two dimensions for a corpus of two topics: with more, the SVD's directions past the second are
    # arbitrary (zero singular values) and differ between BLAS builds, and so would the neighbours
    small = {"min_df": 2, "max_df_share": 1.0, "dimensions": 2, "min_similarity": 0.5}
    saved = learning.associations_refresh(**small)
    assert not saved.active and saved.kind == LearnedModel.Kind.ASSOCIATIONS
    assert saved.metrics["postings"] == 8
    near = dict(map(tuple, saved.params["neighbours"]["热泵"]))
    assert "保温" in near and "沥青" not in near
    active = learning.associations_refresh(activate=True, **small)
    assert list(LearnedModel.objects.filter(kind=LearnedModel.Kind.ASSOCIATIONS, active=True)) == [active]
    # off by default: the matcher does not read them, and the weekly beat entry does not exist
    knowledge.knowledge_reset()
    assert settings.MATCHING_ASSOCIATIONS is False and knowledge.associations() is None
    assert "learn-associations" not in settings.CELERY_BEAT_SCHEDULE
    settings.MATCHING_ASSOCIATIONS = True
    assert dict(knowledge.associations().neighbours["热泵"])["保温"] > 0.5
    # the command does the same with the module's defaults (this corpus is too small for them: empty, no error)
    call_command("learn_associations")
    assert LearnedModel.objects.filter(kind=LearnedModel.Kind.ASSOCIATIONS).count() == 3


@pytest.mark.django_db
def test_the_matcher_adds_the_active_associations_only_when_switched_on(settings):
    from matching import knowledge, retrieval, services
    from matching.models import LearnedModel, PostingKind

    need, ach = _platform_corpus()
    for kind in (PostingKind.ACHIEVEMENT, PostingKind.NEED):
        services.index_refresh(kind=kind)
    LearnedModel.objects.create(
        kind=LearnedModel.Kind.ASSOCIATIONS, version="t1", params={"neighbours": {"沙棘": [["超滤", 0.9]]}}, active=True
    )

    def association_terms():
        knowledge.knowledge_reset()
        ranked = retrieval.rank_for(kind=PostingKind.NEED, posting_id=need.pk, everything=True)
        by_key = {a: s for _n, a, s in ranked}
        pair = retrieval.pair_score(need_id=need.pk, achievement_id=ach.pk)
        return (
            [t["term"] for t in by_key[ach.pk].explanation["association_terms"]] if ach.pk in by_key else [],
            [(t["term"], t["source"]) for t in pair.explanation["association_terms"]],
        )

    assert association_terms() == ([], [])  # MATCHING_ASSOCIATIONS off (the default)
    settings.MATCHING_ASSOCIATIONS = True
    assert association_terms() == (["超滤"], [("超滤", "沙棘")])
