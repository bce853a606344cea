"""The matcher's bulk writes on PostgreSQL: index rows by COPY, proposals without Django's UNNEST form, and
only derived data committed without waiting for the disk (docs/benchmarks.md "Matching at scale")."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from matching import services
from matching.indexing import index_write
from matching.models import IndexedPosting, Match
from tests.factories import AchievementFactory, NeedFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

AWKWARD = 'a "quoted" term, a back\\slash, a tab\there, 换行\n and 𠀀 (outside the BMP)'


def test_index_rows_written_by_copy_read_back_exactly():
    achievement = AchievementFactory()
    features = {
        "terms": {AWKWARD: 1.5, "颗粒硅": 2.0},
        "grams": {"颗粒": 1.0},
        "head_grams": ["颗粒"],
        "keywords": [AWKWARD, "流化床"],
        "nested": {"list": [1, 2.5, None, True]},
    }
    with CaptureQueriesContext(connection) as captured:
        assert index_write(kind="achievement", items=[(achievement.pk, "new-materials", features)], new=True) == 1
    assert not any("UNNEST" in q["sql"] for q in captured.captured_queries)
    row = IndexedPosting.objects.get(kind="achievement", posting_id=achievement.pk)
    assert row.features == features
    assert row.length == 3.5 and row.cluster == "new-materials" and row.indexed_at is not None


def test_proposals_keep_their_explanations_exactly_and_skip_unnest():
    need = NeedFactory()
    achievements = AchievementFactory.create_batch(3)
    explanation = {"shared_terms": [{"term": AWKWARD, "evidence": True}], "compatibility": []}
    with CaptureQueriesContext(connection) as captured:
        Match.objects.bulk_create(
            Match(need=need, achievement=a, score=0.5, explanation=explanation, components={"x": AWKWARD})
            for a in achievements
        )
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "matching_match"')]
    assert inserts and not any("UNNEST" in sql for sql in inserts)
    assert [m.explanation for m in Match.objects.filter(need=need)] == [explanation] * 3
    assert {m.components["x"] for m in Match.objects.filter(need=need)} == {AWKWARD}


def _sets_async_commit(captured) -> bool:
    return any("synchronous_commit TO OFF" in q["sql"] for q in captured.captured_queries)


def test_only_the_matchers_derived_writes_skip_waiting_for_the_disk(admin):
    need = NeedFactory(title="颗粒硅流化床技术需求", keywords=["颗粒硅"])
    achievement = AchievementFactory(title="流化床法颗粒硅制备技术", keywords=["颗粒硅"])
    services.postings_index(kind="achievement", postings=[services.published("achievement").get(pk=achievement.pk)])
    with CaptureQueriesContext(connection) as captured:
        services.posting_match(kind="need", posting_id=need.pk)
    assert _sets_async_commit(captured)
    assert Match.objects.filter(need=need).exists()
    # a person's decision is user data: its commit waits for the disk
    from mengkeju.deals import services as deals

    with CaptureQueriesContext(connection) as captured:
        deals.match_approve(match=Match.objects.filter(need=need).first(), user=admin, note="")
    assert not _sets_async_commit(captured)


def _assert_plans_start_from_the_need(captured) -> None:
    """No captured SELECT or UPDATE of the match table is planned through (achievement, status)."""
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if '"matching_match"' not in sql or not sql.startswith(("SELECT", "UPDATE")):
                continue
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "match_achievement_idx" not in plan and "match_queue_idx" not in plan, (sql, plan)


def test_a_rematch_reads_the_need_s_proposals_by_the_need_even_with_empty_statistics():
    """A full run after a bulk delete (or the first one) starts with statistics that call the match table
    empty; withdrawing a need's stale proposals then read every open proposal of the platform through
    (achievement, status), 40–80 ms a need at 50,000. Every query of the save must start from the need
    or the ids."""
    from matching.proposals import proposals_save

    need, others = NeedFactory(), NeedFactory.create_batch(3)
    achievements = AchievementFactory.create_batch(300)

    def propose_all():
        Match.objects.bulk_create(
            Match(need=n, achievement=a, score=0.5) for n in [need, *others] for a in achievements
        )

    propose_all()
    Match.objects.all().delete()  # a run's proposals cleared in bulk, and analysed: "the table is empty"
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE matching_match")
    propose_all()
    from matching.scoring import Scored

    # a new ranking of the need that keeps 2 of its 300 proposals
    keep = [(need.pk, a.pk, Scored(key=a.pk, score=0.6, components={}, explanation={})) for a in achievements[:2]]
    # the save's queries, planned as the table stands before the save (then the save is done for real)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        proposals_save(pairs=keep, need_id=need.pk)
        transaction.set_rollback(True)
    _assert_plans_start_from_the_need(captured)
    # the same for a full run's chunk, which saves the rankings of its needs at once
    from matching.proposals import proposals_save_needs

    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        proposals_save_needs(rankings=[(need.pk, keep), (others[0].pk, [])])
        transaction.set_rollback(True)
    _assert_plans_start_from_the_need(captured)
    assert proposals_save(pairs=keep, need_id=need.pk).withdrawn == 298
    assert Match.objects.filter(need__in=others, status="proposed").count() == 900
