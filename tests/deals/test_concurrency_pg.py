"""Two brokers decide the same match at once on PostgreSQL (two real connections): exactly one wins."""

import threading
import time

import pytest
from django.db import connection, transaction

from matching.models import Match, MatchStatus
from mengkeju.core.models import AuditLog
from mengkeju.deals import services
from mengkeju.deals.models import DealEvent
from tests.factories import AchievementFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def waiting_for_a_lock(timeout: float) -> bool:
    """True as soon as another session of this database waits for a lock; False after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the view is otherwise frozen per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def in_thread(target, *args):
    outcome = {}

    def run():
        try:
            outcome["result"] = target(*args)
        except services.Conflict as exc:
            outcome["conflict"] = " ".join(exc.messages)
        except Exception as exc:  # surfaced by the assertions below
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_approve_and_reject_race_exactly_one_wins(need, uni_u, broker, admin):
    for round_ in range(8):
        match = Match.objects.create(need=need, achievement=AchievementFactory(organization=uni_u), score=0.5)
        barrier = threading.Barrier(2)

        def approve(m=match, barrier=barrier):
            barrier.wait()
            return services.match_approve(match=Match.objects.get(pk=m.pk), user=broker, note="通过")

        def reject(m=match, barrier=barrier):
            barrier.wait()
            return services.match_reject(match=Match.objects.get(pk=m.pk), user=admin, note="不通过")

        (t1, a), (t2, r) = in_thread(approve), in_thread(reject)
        t1.join(30)
        t2.join(30)
        assert "error" not in a and "error" not in r, (a, r)
        winners = [o for o in (a, r) if "result" in o]
        losers = [o for o in (a, r) if "conflict" in o]
        assert len(winners) == 1 and len(losers) == 1, (round_, a, r)
        match.refresh_from_db()
        expected = MatchStatus.APPROVED if "result" in a else MatchStatus.REJECTED
        assert match.status == expected
        assert match.reviewed_by == (broker if expected == MatchStatus.APPROVED else admin)
        assert AuditLog.objects.filter(target_id=match.pk, action__in=["match.approve", "match.reject"]).count() == 1
        assert DealEvent.objects.filter(match=match).count() == 1


def test_the_second_decision_waits_for_the_first_and_then_loses(proposal, broker, admin):
    locked = threading.Event()

    def approve_slowly():
        with transaction.atomic():
            services.match_approve(match=Match.objects.get(pk=proposal.pk), user=broker)
            locked.set()
            # hold the row until the other broker's decision is seen waiting for it (a lock wait)
            approve_slowly.saw_waiter = waiting_for_a_lock(timeout=10)

    def reject():
        locked.wait(10)
        services.match_reject(match=Match.objects.get(pk=proposal.pk), user=admin, note="晚了一步")

    (t1, a), (t2, r) = in_thread(approve_slowly), in_thread(reject)
    t1.join(30)
    t2.join(30)
    assert "error" not in a and "error" not in r, (a, r)
    assert "conflict" in r and str(broker) in r["conflict"]
    assert approve_slowly.saw_waiter  # it was blocked on the row, not refused early from a stale read
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reviewed_by) == (MatchStatus.APPROVED, broker)
