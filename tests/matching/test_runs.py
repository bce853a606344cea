"""Full runs: one active at a time, idempotent prepare, exact counters, cancel, stalled runs, chunking."""

import datetime
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import runs
from matching.models import Match, MatchRun, MatchRunChunk
from mengkeju.core.models import AuditLog
from tests.factories import NeedFactory


def needs(n):
    return [NeedFactory(title=f"乳房炎检测需求{i}", keywords=["乳房炎"], cluster="agri-food") for i in range(n)]


# --- exactly one active full run -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_run_is_refused_while_one_is_queued_or_running():
    first = runs.match_run_create(trigger="admin")
    with pytest.raises(runs.MatchRunActive) as exc:
        runs.match_run_create(trigger="beat")
    assert exc.value.run == first
    assert f"#{first.pk}" in exc.value.messages[0]
    MatchRun.objects.filter(pk=first.pk).update(status=MatchRun.Status.RUNNING)
    with pytest.raises(runs.MatchRunActive):
        runs.match_run_create(trigger="command")
    assert MatchRun.objects.count() == 1
    for ended in (MatchRun.Status.DONE, MatchRun.Status.FAILED, MatchRun.Status.CANCELLED):
        MatchRun.objects.filter(status__in=MatchRun.ACTIVE_STATUSES).update(status=ended)
        runs.match_run_create(trigger="admin")  # an ended run blocks nothing
    assert MatchRun.objects.filter(status__in=MatchRun.ACTIVE_STATUSES).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_active_run_even_without_the_service():
    from django.db import IntegrityError, transaction

    MatchRun.objects.create(kind=MatchRun.Kind.FULL, status=MatchRun.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchRun.objects.create(kind=MatchRun.Kind.FULL, status=MatchRun.Status.QUEUED)
    MatchRun.objects.create(kind=MatchRun.Kind.INCREMENTAL, status=MatchRun.Status.RUNNING)  # not full: allowed


@pytest.mark.django_db
def test_match_all_command_says_which_run_is_active():
    active = runs.match_run_create(trigger="beat")
    with pytest.raises(CommandError, match=f"#{active.pk}"):
        call_command("match", "--all")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_starts_leave_exactly_one_active_run_on_postgresql():
    threads_n = 8
    for attempt in range(5):
        barrier = threading.Barrier(threads_n)
        results = []

        def start(barrier=barrier, results=results):
            try:
                barrier.wait()
                with translation.override("en"):
                    results.append(runs.match_run_create(trigger="admin"))
            except runs.MatchRunActive as refused:
                results.append(refused)
            finally:
                connection.close()

        threads = [threading.Thread(target=start) for _ in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [r for r in results if isinstance(r, MatchRun)]
        lost = [r for r in results if isinstance(r, runs.MatchRunActive)]
        assert len(won) == 1 and len(lost) == threads_n - 1, attempt
        assert MatchRun.objects.filter(status__in=MatchRun.ACTIVE_STATUSES).count() == 1
        # the losers are told which run is active (or, if it ended meanwhile, that another start won)
        assert all(exc.run is None or exc.run.pk == won[0].pk for exc in lost)
        with translation.override("en"):
            assert all("wait until it is done" in exc.messages[0] for exc in lost)
        MatchRun.objects.filter(pk=won[0].pk).update(status=MatchRun.Status.DONE)


# --- prepare, chunks and counters ------------------------------------------------------------------


@pytest.mark.django_db
def test_prepare_delivered_again_after_its_worker_died_creates_the_chunks(indexed):
    needs(4)
    run = runs.match_run_create(trigger="command")
    # the first delivery got as far as "running" and was killed before writing any chunk
    MatchRun.objects.filter(pk=run.pk).update(status=MatchRun.Status.RUNNING, started_at=timezone.now())
    assert runs.match_run_prepare(run_id=run.pk, chunk_size=2) == [0, 1, 2]
    run.refresh_from_db()
    assert (run.total_chunks, run.total_items, run.status) == (3, 5, "running")
    # delivered once more: the same chunks, none added
    assert runs.match_run_prepare(run_id=run.pk, chunk_size=2) == [0, 1, 2]
    assert MatchRunChunk.objects.filter(run=run).count() == 3
    for number in (0, 1, 2):
        runs.match_run_chunk(run_id=run.pk, number=number)
    run.refresh_from_db()
    assert (run.status, run.done_chunks, run.processed_items) == ("done", 3, 5)


@pytest.mark.django_db
def test_counters_are_the_sums_of_the_chunks_and_equal_the_proposals_made(indexed):
    needs(5)
    run = runs.match_run_create(trigger="command")
    pending = runs.match_run_prepare(run_id=run.pk, chunk_size=2)
    for number in pending + pending:  # every chunk delivered twice
        runs.match_run_chunk(run_id=run.pk, number=number)
    run.refresh_from_db()
    assert run.status == "done"
    assert run.proposals_created == Match.objects.count() > 0
    assert run.processed_items == run.total_items == 6
    chunks = MatchRunChunk.objects.filter(run=run)
    assert run.proposals_created == sum(c.created for c in chunks)
    assert sorted(n for c in chunks for n in c.need_ids) == sorted(
        NeedFactory._meta.model.objects.filter(status="published").values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_a_chunk_that_failed_half_way_leaves_no_proposals_and_its_redelivery_counts_all(indexed, monkeypatch):
    needs(3)
    run = runs.match_run_create(trigger="command")
    (number,) = runs.match_run_prepare(run_id=run.pk, chunk_size=10)
    from matching import services

    real_save = services.proposals_save_needs

    def dies_after_saving(**kwargs):
        real_save(**kwargs)
        assert Match.objects.exists()  # written, not yet committed
        raise SystemExit("worker killed")  # not an Exception: like a killed process, nothing is caught

    monkeypatch.setattr(services, "proposals_save_needs", dies_after_saving)
    with pytest.raises(SystemExit):
        runs.match_run_chunk(run_id=run.pk, number=number)
    assert Match.objects.count() == 0  # the chunk's proposals were rolled back with it
    monkeypatch.setattr(services, "proposals_save_needs", real_save)
    runs.match_run_chunk(run_id=run.pk, number=number)
    run.refresh_from_db()
    assert (run.status, run.processed_items, run.proposals_created) == ("done", 4, Match.objects.count())


# --- cancel and stalled runs -----------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_cancels_a_stuck_run_from_the_runs_page(admin, client_for, indexed):
    run = runs.match_run_create(trigger="beat")
    MatchRun.objects.filter(pk=run.pk).update(status=MatchRun.Status.RUNNING)  # "running 0/0" forever
    client = client_for(admin)
    page = client.get(reverse("matching:runs")).content.decode()
    assert reverse("matching:run_cancel", args=[run.pk]) in page
    response = client.post(reverse("matching:run_cancel", args=[run.pk]), {"reason": "stuck since the outage"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == MatchRun.Status.CANCELLED and run.finished_at
    assert "stuck since the outage" in run.errors[-1]["error"]
    entry = AuditLog.objects.get(action="matchrun.cancel")
    assert (entry.actor, entry.target, entry.note) == (admin, run, "stuck since the outage")
    # a new run may start at once; the cancelled one's late chunks do nothing
    assert runs.match_run_create(trigger="admin").status == "queued"
    assert runs.match_run_prepare(run_id=run.pk) == []
    # cancelling it again: a clear message, no second audit entry
    response = client.post(reverse("matching:run_cancel", args=[run.pk]), follow=True)
    assert "already" in response.content.decode() or "已" in response.content.decode()
    assert AuditLog.objects.filter(action="matchrun.cancel").count() == 1


@pytest.mark.django_db
def test_a_chunk_of_a_cancelled_run_writes_nothing(indexed, admin):
    needs(2)
    run = runs.match_run_create(trigger="command")
    pending = runs.match_run_prepare(run_id=run.pk, chunk_size=2)
    runs.match_run_cancel(run=run, user=admin)
    for number in pending:
        assert not runs.match_run_chunk(run_id=run.pk, number=number).counted
    assert Match.objects.count() == 0
    run.refresh_from_db()
    assert (run.status, run.done_chunks) == ("cancelled", 0)


@pytest.mark.django_db
def test_a_run_without_progress_for_longer_than_its_limit_is_failed(settings):
    settings.MATCHING_RUN_STALL_SECONDS = 600
    stuck = runs.match_run_create(trigger="beat")
    MatchRun.objects.filter(pk=stuck.pk).update(
        status=MatchRun.Status.RUNNING, progress_at=timezone.now() - datetime.timedelta(seconds=601)
    )
    assert runs.match_runs_fail_stalled() == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.status == MatchRun.Status.FAILED and "600" in stuck.errors[-1]["error"]
    fresh = runs.match_run_create(trigger="beat")
    MatchRun.objects.filter(pk=fresh.pk).update(progress_at=timezone.now() - datetime.timedelta(seconds=599))
    call_command("fail_stalled_runs")
    fresh.refresh_from_db()
    assert fresh.status == MatchRun.Status.QUEUED


@pytest.mark.django_db
def test_a_finished_chunk_is_progress(indexed, settings):
    settings.MATCHING_RUN_STALL_SECONDS = 600
    needs(3)
    run = runs.match_run_create(trigger="command")
    runs.match_run_prepare(run_id=run.pk, chunk_size=2)
    MatchRun.objects.filter(pk=run.pk).update(progress_at=timezone.now() - datetime.timedelta(seconds=700))
    runs.match_run_chunk(run_id=run.pk, number=0)
    assert runs.match_runs_fail_stalled() == []


# --- chunking: every posting exactly once -----------------------------------------------------------


@given(
    ids=st.lists(st.integers(min_value=1, max_value=10**9), unique=True, max_size=300).map(sorted),
    size=st.integers(min_value=1, max_value=400),
)
def test_chunk_plan_covers_every_id_exactly_once_in_order(ids, size):
    plan = runs.chunk_plan(ids, size)
    assert [i for chunk in plan for i in chunk] == ids
    assert all(1 <= len(chunk) <= size for chunk in plan)
    assert len(plan) == -(-len(ids) // size)


def test_chunk_plan_refuses_a_size_below_one():
    with pytest.raises(ValueError):
        runs.chunk_plan([1, 2], 0)


@pytest.fixture
def published_needs(db):
    return sorted(n.pk for n in needs(13))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    size=st.integers(min_value=1, max_value=15),
    workers=st.integers(min_value=1, max_value=6),
    data=st.data(),
)
def test_a_run_matches_every_need_exactly_once_for_any_chunk_size_and_worker_count(
    published_needs, size, workers, data
):
    """Workers take chunks from one queue in any interleaving, and any chunk may be delivered again
    (a lost acknowledgement): each need is matched in exactly one counted chunk, the counters are exact."""
    with transaction.atomic():  # each example starts from the same database
        _one_run(published_needs, size, workers, data)
        transaction.set_rollback(True)


def _one_run(published_needs, size, workers, data):
    run = runs.match_run_create(trigger="command")
    queue = list(runs.match_run_prepare(run_id=run.pk, chunk_size=size))
    redelivered = data.draw(st.lists(st.sampled_from(queue), max_size=5)) if queue else []
    queue += redelivered
    order = data.draw(st.permutations(queue))
    # deal the queue out to the workers, as each of them would take the next message when free
    taken = {w: [] for w in range(workers)}
    for position, number in enumerate(order):
        taken[data.draw(st.integers(0, workers - 1), label=f"worker of message {position}")].append(number)
    counted = []
    for w in range(workers):
        for number in taken[w]:
            if runs.match_run_chunk(run_id=run.pk, number=number).counted:
                counted.append(number)
    run.refresh_from_db()
    chunks = MatchRunChunk.objects.filter(run=run)
    matched = sorted(n for c in chunks.filter(number__in=counted) for n in c.need_ids)
    assert matched == published_needs
    assert sorted(counted) == sorted(set(counted))
    assert (run.status, run.total_items, run.processed_items) == ("done", 13, 13)
    assert run.done_chunks == run.total_chunks == -(-13 // size)


@pytest.mark.django_db
def test_a_chunk_saves_exactly_what_saving_each_need_alone_saves():
    """``proposals_save_needs`` (a chunk's needs at once) against ``proposals_save`` need by need, from the
    same table: stale proposals withdrawn, withdrawn ones proposed again, decisions and interest-sourced
    pairs left alone, unchanged ones untouched, changed scores updated, new pairs created."""
    from django.db import transaction

    from matching.models import MatchSource, MatchStatus
    from matching.proposals import proposals_save, proposals_save_needs
    from matching.scoring import ALGORITHM_VERSION, Scored
    from tests.factories import AchievementFactory

    a, b, c = NeedFactory.create_batch(3)
    ach = AchievementFactory.create_batch(6)
    many = AchievementFactory.create_batch(25)  # enough new rows for PostgreSQL's COPY path

    def scored(ach_id, score):
        return Scored(key=ach_id, score=score, components={"match_score": score}, explanation={"k": score})

    same = scored(ach[2].pk, 0.4)
    Match.objects.create(need=a, achievement=ach[0], score=0.3)  # proposed, no longer ranked: withdrawn
    Match.objects.create(need=a, achievement=ach[1], score=0.3, status=MatchStatus.WITHDRAWN)  # proposed again
    Match.objects.create(
        need=a,
        achievement=ach[2],
        score=same.score,
        components=same.components,
        explanation=same.explanation,
        algorithm_version=ALGORITHM_VERSION,
    )  # unchanged
    Match.objects.create(need=a, achievement=ach[3], score=0.2, status=MatchStatus.APPROVED)  # a decision
    Match.objects.create(need=b, achievement=ach[3], score=0.1, source=MatchSource.INTEREST)  # a person's
    Match.objects.create(need=b, achievement=ach[4], score=0.1)  # score changes
    rankings = [
        (
            a.pk,
            [
                (a.pk, ach[1].pk, scored(ach[1].pk, 0.5)),
                (a.pk, ach[2].pk, same),
                (a.pk, ach[3].pk, scored(ach[3].pk, 0.9)),
            ],
        ),
        (
            b.pk,
            [
                (b.pk, ach[3].pk, scored(ach[3].pk, 0.6)),
                (b.pk, ach[4].pk, scored(ach[4].pk, 0.7)),
                (b.pk, ach[5].pk, scored(ach[5].pk, 0.3)),
            ],
        ),
        (c.pk, [(c.pk, x.pk, scored(x.pk, 0.2 + i / 100)) for i, x in enumerate(many)]),
    ]

    def state():
        return sorted(
            Match.objects.values_list("need_id", "achievement_id", "source", "status", "score", "explanation")
        )

    with transaction.atomic():
        one_by_one = [proposals_save(pairs=pairs, need_id=need_id) for need_id, pairs in rankings]
        expected = state()
        transaction.set_rollback(True)
    together = proposals_save_needs(rankings=rankings)
    assert state() == expected
    for name in ("created", "updated", "unchanged", "withdrawn"):
        assert getattr(together, name) == sum(getattr(r, name) for r in one_by_one), name
    assert (together.created, together.updated, together.unchanged, together.withdrawn) == (26, 2, 3, 1)
