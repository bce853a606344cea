import pytest
from django.utils import timezone

from matching import runs, services
from matching.models import IndexedPosting, Match, MatchRun, MatchStatus, PostingKind


def rows():
    return sorted(
        Match.objects.values_list("need_id", "achievement_id", "score", "status", "algorithm_version", "explanation")
    )


def full_run():
    run = runs.match_run_create(trigger="test")
    return runs.match_run_execute(run_id=run.pk)


@pytest.mark.django_db
def test_full_run_proposes_direct_and_cross_cluster_hits_but_not_noise(indexed):
    run = full_run()
    assert run.status == MatchRun.Status.DONE and run.progress_percent == 100
    proposed = {m.achievement_id: m for m in Match.objects.filter(need=indexed["need"])}
    assert indexed["hit"].pk in proposed and indexed["cross"].pk in proposed
    assert not {a.pk for a in indexed["noise"]} & set(proposed)
    assert proposed[indexed["hit"].pk].score > proposed[indexed["cross"].pk].score
    assert all(0 <= m.score <= 1 for m in proposed.values())


@pytest.mark.django_db
def test_two_runs_produce_identical_rows(indexed):
    full_run()
    first = rows()
    full_run()
    assert rows() == first and first


@pytest.mark.django_db
def test_rejected_stays_rejected_and_approved_is_untouched(indexed, broker):
    full_run()
    rejected = Match.objects.get(need=indexed["need"], achievement=indexed["cross"])
    approved = Match.objects.get(need=indexed["need"], achievement=indexed["hit"])
    Match.objects.filter(pk=rejected.pk).update(status=MatchStatus.REJECTED, reviewed_by=broker, score=0.01)
    Match.objects.filter(pk=approved.pk).update(status=MatchStatus.APPROVED, reviewed_at=timezone.now(), score=0.5)
    full_run()
    services.posting_match(kind=PostingKind.ACHIEVEMENT, posting_id=indexed["cross"].pk)
    rejected.refresh_from_db()
    approved.refresh_from_db()
    assert rejected.status == MatchStatus.REJECTED and rejected.score == 0.01
    assert approved.status == MatchStatus.APPROVED and approved.score == 0.5


@pytest.mark.django_db
def test_incremental_match_of_an_achievement_finds_the_need(corpus):
    services.index_refresh(kind=PostingKind.NEED)
    services.posting_match(kind=PostingKind.ACHIEVEMENT, posting_id=corpus["hit"].pk)
    assert Match.objects.filter(need=corpus["need"], achievement=corpus["hit"], status="proposed").exists()


@pytest.mark.django_db
def test_same_score_from_either_side(indexed):
    """One pair, one score whichever side was published last — up to pseudo-relevance feedback, which
    only the need's own ranking adds (words of its best achievements), so within 0.01."""
    from matching.ranking import Options

    services.posting_match(kind=PostingKind.NEED, posting_id=indexed["need"].pk)
    from_need = Match.objects.get(need=indexed["need"], achievement=indexed["hit"])
    Match.objects.all().delete()
    services.posting_match(kind=PostingKind.ACHIEVEMENT, posting_id=indexed["hit"].pk)
    from_achievement = Match.objects.get(need=indexed["need"], achievement=indexed["hit"])
    assert abs(from_achievement.score - from_need.score) < 0.01
    assert from_achievement.components["evidence"] == from_need.components["evidence"] >= 1
    # without feedback the need's ranking gives exactly the achievement side's score
    ranked = services.rank_for(kind=PostingKind.NEED, posting_id=indexed["need"].pk, options=Options(feedback=False))
    assert {a: s.components["match_score"] for _n, a, s in ranked}[indexed["hit"].pk] == (
        from_achievement.components["match_score"]
    )


@pytest.mark.django_db
def test_withdrawn_posting_leaves_the_index_and_its_proposals_are_withdrawn(indexed):
    full_run()
    services.posting_withdrawn(posting=indexed["need"])
    assert not IndexedPosting.objects.filter(kind="need", posting_id=indexed["need"].pk).exists()
    assert set(Match.objects.filter(need=indexed["need"]).values_list("status", flat=True)) == {"withdrawn"}


@pytest.mark.django_db
def test_publication_enqueues_the_match_on_commit(corpus, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.posting_published(posting=corpus["need"])
    assert callbacks
    services.index_refresh(kind=PostingKind.ACHIEVEMENT)  # the eager task ran before the achievements were indexed
    services.posting_match(kind=PostingKind.NEED, posting_id=corpus["need"].pk)
    assert Match.objects.filter(need=corpus["need"]).exists()


@pytest.mark.django_db
def test_index_statistics_stay_equal_to_a_recount(indexed):
    from matching import index
    from matching.models import IndexKindStat, IndexTermStat

    def snapshot():
        terms = sorted(IndexTermStat.objects.filter(df__gt=0).values_list("kind", "term", "df"))
        kinds = {
            row[0]: (row[1], pytest.approx(row[2]), pytest.approx(row[3]))
            for row in IndexKindStat.objects.values_list("kind", "postings", "total_length", "total_gram_length")
        }
        return terms, kinds

    services.posting_withdrawn(posting=indexed["noise"][0])  # unindex
    hit = indexed["hit"]
    hit.title, hit.keywords = "奶牛乳腺炎快速诊断试剂盒", ["乳腺炎", "快速诊断"]
    hit.save()
    services.postings_index(kind=PostingKind.ACHIEVEMENT, postings=[services.published("achievement").get(pk=hit.pk)])
    services.postings_index(kind=PostingKind.ACHIEVEMENT, postings=[services.published("achievement").get(pk=hit.pk)])
    services.posting_unindex(kind=PostingKind.NEED, posting_id=indexed["need"].pk + 1000)  # not indexed: no-op
    kept = snapshot()
    assert dict(kept[1])["achievement"][0] == 6  # 2 hits + 4 of the 5 noise postings
    for kind in (PostingKind.ACHIEVEMENT, PostingKind.NEED):
        index.stats_rebuild(kind)
    assert snapshot() == kept
    assert IndexTermStat.objects.get(kind="achievement", term="乳腺炎").df == 2  # the cross hit and the edited hit


@pytest.mark.django_db
def test_a_chunk_or_a_prepare_delivered_twice_is_counted_once(indexed):
    from tests.factories import NeedFactory

    for i in range(3):
        NeedFactory(title=f"乳房炎检测需求{i}", keywords=["乳房炎"], cluster="agri-food")
    run = runs.match_run_create(trigger="command")
    chunks = runs.match_run_prepare(run_id=run.pk, chunk_size=2)
    assert chunks == [0, 1]
    assert runs.match_run_prepare(run_id=run.pk, chunk_size=2) == [0, 1]  # redelivered: same pending chunks
    first = runs.match_run_chunk(run_id=run.pk, number=0)
    again = runs.match_run_chunk(run_id=run.pk, number=0)
    assert first.created and not again.created
    assert runs.match_run_prepare(run_id=run.pk, chunk_size=2) == [1]
    run.refresh_from_db()
    assert (run.done_chunks, run.processed_items, run.status) == (1, 2, "running")
    runs.match_run_chunk(run_id=run.pk, number=1)
    run.refresh_from_db()
    assert (run.done_chunks, run.processed_items, run.progress_percent, run.status) == (2, 4, 100, "done")
    assert runs.match_run_prepare(run_id=run.pk) == []
