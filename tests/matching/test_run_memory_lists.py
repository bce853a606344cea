"""Full runs retrieve candidates from the capped posting lists held in the worker's memory
(``MATCHING_RUN_MEMORY_INDEX``), with the document frequencies and — up to ``MATCHING_RUN_MEMORY_SIDES``
achievements — every achievement's parsed features: the same proposals as from the database, read again
when the index changed, never for an index above the limit."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching import index, knowledge, runs, services, side_cache
from matching.models import IndexedPosting, IndexTermStat, Match, MatchStatus, PostingKind
from matching.sparse_index import in_memory
from tests.factories import AchievementFactory, NeedFactory


def _needs():
    wordings = [
        ("奶牛乳房炎早期发现", "挤奶时自动发现早期隐性乳房炎病牛。", ["乳房炎", "在线检测"]),
        ("挤奶厅设备升级", "挤奶厅设备升级，希望在线检测奶量。", ["挤奶", "在线检测"]),
        ("粉煤灰综合利用", "电厂粉煤灰堆存，想提取氧化铝。", ["粉煤灰", "氧化铝"]),
        ("牧草种植", "优质牧草种植与收获。", ["牧草"]),
    ]
    return [NeedFactory(title=t, description=d, keywords=k, cluster="agri-food") for t, d, k in wordings]


def _full_run():
    run = runs.match_run_create(trigger="command")
    runs.match_run_execute(run_id=run.pk, chunk_size=2)
    return {(m.need_id, m.achievement_id, m.score) for m in Match.objects.filter(status=MatchStatus.PROPOSED)}


@pytest.mark.django_db
def test_a_full_run_from_memory_proposes_exactly_what_the_database_run_proposes(corpus, settings, monkeypatch):
    _needs()
    settings.MATCHING_RUN_MEMORY_INDEX = 0
    from_database = _full_run()
    assert from_database
    Match.objects.all().delete()

    settings.MATCHING_RUN_MEMORY_INDEX = 10_000

    def refuse(*args, **kwargs):
        raise AssertionError("a full run with the lists in memory asked the database for candidates")

    monkeypatch.setattr(index, "top_postings", refuse)
    monkeypatch.setattr(index, "document_frequencies", refuse)
    assert _full_run() == from_database
    Match.objects.all().delete()
    # with the achievements' features in memory too, not one candidate's features is read per need
    settings.MATCHING_RUN_MEMORY_SIDES = 10_000
    side_cache.side_cache().clear()
    monkeypatch.setattr(side_cache, "_features", refuse)
    assert _full_run() == from_database
    monkeypatch.undo()
    # outside a full run (a new posting's own match) retrieval still asks the database
    need = NeedFactory(title="乳房炎在线检测", keywords=["乳房炎"], cluster="agri-food")
    services.posting_match(kind=PostingKind.NEED, posting_id=need.pk)
    assert Match.objects.filter(need=need).exists()


@pytest.mark.django_db
def test_the_lists_are_read_once_and_again_when_the_index_changes(indexed, settings):
    settings.MATCHING_RUN_MEMORY_INDEX = 10_000
    first = runs.achievement_lists()
    assert first is not None and runs.achievement_lists() is first  # unchanged index: no second read
    assert "稀土永磁" not in first.lists
    new = AchievementFactory(title="稀土永磁电机", keywords=["稀土永磁"], cluster="new-materials")
    services.postings_index(kind=PostingKind.ACHIEVEMENT, postings=[new])
    second = runs.achievement_lists()
    assert second is not first and new.pk in second.lists["稀土永磁"][0]
    settings.MATCHING_POSTINGS_PER_TERM = 2  # another cap: read again with it
    assert runs.achievement_lists().per_term == 2


@pytest.mark.django_db
def test_no_lists_for_an_index_above_the_limit_or_when_switched_off(indexed, settings):
    achievements = len(indexed["noise"]) + 2
    settings.MATCHING_RUN_MEMORY_INDEX = achievements - 1
    assert runs.achievement_lists() is None
    settings.MATCHING_RUN_MEMORY_INDEX = achievements
    assert runs.achievement_lists() is not None
    settings.MATCHING_RUN_MEMORY_INDEX = 0
    assert runs.achievement_lists() is None


@pytest.mark.django_db
def test_sides_in_memory_only_up_to_their_limit_and_new_postings_still_found(indexed, settings):
    achievements = len(indexed["noise"]) + 2
    settings.MATCHING_RUN_MEMORY_INDEX = 10_000
    settings.MATCHING_RUN_MEMORY_SIDES = achievements - 1
    assert runs.achievement_lists().sides is None
    settings.MATCHING_RUN_MEMORY_SIDES = achievements
    memory = runs.achievement_lists()
    assert memory.sides is not None and len(memory.sides) == achievements
    # an achievement indexed after the sides were read (mid-chunk) is read from the database
    new = AchievementFactory(title="稀土永磁电机", keywords=["稀土永磁"], cluster="new-materials")
    services.postings_index(kind=PostingKind.ACHIEVEMENT, postings=[new])
    with in_memory(memory):
        sides = side_cache.load_sides(PostingKind.ACHIEVEMENT, [new.pk, *list(memory.sides)[:2]])
    assert new.pk in sides and "稀土永磁" in sides[new.pk].terms and len(sides) == 3


@pytest.mark.django_db
def test_a_chunk_reads_the_knowledge_once_not_for_every_need(corpus, settings):
    _needs()
    settings.MATCHING_RUN_MEMORY_INDEX = 10_000
    settings.MATCHING_RUN_MEMORY_SIDES = 10_000
    for kind in (PostingKind.ACHIEVEMENT, PostingKind.NEED):
        services.index_refresh(kind=kind)
    memory = runs.achievement_lists()
    need_ids = list(IndexedPosting.objects.filter(kind=PostingKind.NEED).values_list("posting_id", flat=True))

    def queries(count: int) -> int:
        with CaptureQueriesContext(connection) as captured, in_memory(memory), knowledge.held():
            for need_id in need_ids[:count]:
                services.rank_for(kind=PostingKind.NEED, posting_id=need_id)
        return len(captured)

    one, four = queries(1), queries(4)
    assert four - one <= 3  # one query a further need: its own features


@pytest.mark.django_db
def test_after_an_index_change_only_the_postings_indexed_since_are_parsed_again(indexed, settings):
    settings.MATCHING_RUN_MEMORY_INDEX = 10_000
    settings.MATCHING_RUN_MEMORY_SIDES = 10_000
    # one achievement indexed well before the others (more than LATE_COMMITS before the latest)
    old = IndexedPosting.objects.filter(kind=PostingKind.ACHIEVEMENT).order_by("pk").first()
    IndexedPosting.objects.filter(pk=old.pk).update(indexed_at=timezone.now() - runs.LATE_COMMITS - timedelta(hours=1))
    first = runs.achievement_lists()
    kept = first.sides[old.posting_id]
    edited = AchievementFactory(title="稀土永磁电机", keywords=["稀土永磁"], cluster="new-materials")
    services.postings_index(kind=PostingKind.ACHIEVEMENT, postings=[edited])
    second = runs.achievement_lists()
    assert second is not first and second.sides[edited.pk].terms.get("稀土永磁")
    assert second.sides[kept.key] is kept  # not parsed again
    edited.keywords, edited.title = ["钕铁硼"], "钕铁硼磁体"
    edited.save()
    services.postings_index(kind=PostingKind.ACHIEVEMENT, postings=[edited])
    third = runs.achievement_lists()
    assert "钕铁硼" in third.sides[edited.pk].terms and "稀土永磁" not in third.sides[edited.pk].terms
    assert third.sides[kept.key] is kept


@pytest.mark.django_db
def test_memory_read_while_a_run_is_prepared_gets_the_recounted_frequencies_at_its_first_chunk(corpus, settings):
    """``match_run_warm`` reads the memory before the prepare step recounts the document frequencies; the
    run's first chunk reads them again (and only them), later chunks of the run do not."""
    _needs()
    settings.MATCHING_RUN_MEMORY_INDEX = 10_000
    settings.MATCHING_RUN_MEMORY_SIDES = 10_000
    for kind in (PostingKind.ACHIEVEMENT, PostingKind.NEED):
        services.index_refresh(kind=kind)
    run = runs.match_run_create(trigger="command")
    assert runs.match_run_warm(run_id=run.pk)
    warm = runs.achievement_lists()
    assert warm.df_run is None and warm.df
    term = max(warm.df, key=warm.df.get)
    IndexTermStat.objects.filter(kind=PostingKind.ACHIEVEMENT, term=term).update(df=F("df") + 5)  # a recount
    assert runs.achievement_lists(run.pk) is warm and warm.df_run == run.pk  # the same lists and sides
    assert warm.df[term] == IndexTermStat.objects.get(kind=PostingKind.ACHIEVEMENT, term=term).df
    with CaptureQueriesContext(connection) as captured:
        assert runs.achievement_lists(run.pk) is warm
    assert len(captured) == 1  # the index's state only
    runs.match_run_execute(run_id=run.pk, chunk_size=2)
    assert not runs.match_run_warm(run_id=run.pk)  # done: nothing to read for
