"""The matching outbox: publication writes the matching work as a row in its own transaction; the row
is done by the task, or later by the flush (beat, ``manage.py match_pending``) when the broker was down."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from matching import outbox, services
from matching.models import Match, MatchOutbox
from mengkeju.postings import services as posting_services
from tests.factories import NeedFactory


@pytest.fixture
def pending_need(indexed, owner):
    return NeedFactory(
        title="奶牛乳房炎在线检测",
        description="挤奶时在线发现早期乳房炎。",
        keywords=["乳房炎", "在线检测"],
        cluster="agri-food",
        status="pending",
        organization=owner.organization,
    )


@pytest.mark.django_db
def test_approval_writes_the_matching_work_in_its_transaction_and_the_task_does_it(
    pending_need, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        posting_services.posting_approve(posting=pending_need, user=admin)
    row = MatchOutbox.objects.get()
    assert (row.kind, row.posting_id, row.status) == ("need", pending_need.pk, "pending")
    assert not Match.objects.filter(need=pending_need).exists()
    for callback in callbacks:  # the commit: the task runs (eagerly here) and marks the row done
        callback()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("done", 1) and row.done_at
    assert Match.objects.filter(need=pending_need).exists()


@pytest.mark.django_db
def test_a_rolled_back_publication_leaves_no_outbox_row(pending_need, admin):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        posting_services.posting_approve(posting=pending_need, user=admin)
        raise RuntimeError("the surrounding decision failed")
    assert not MatchOutbox.objects.exists()


@pytest.mark.django_db
def test_pending_rows_are_matched_once_by_the_flush_and_the_command(pending_need, admin, indexed):
    with pytest.MonkeyPatch.context() as mp:  # the broker refused the task: the row stays pending
        mp.setattr(outbox, "match_outbox_enqueue", lambda *, outbox_ids: 0)
        posting_services.posting_approve(posting=pending_need, user=admin)
    row = MatchOutbox.objects.get()
    assert row.status == "pending" and not Match.objects.filter(need=pending_need).exists()
    assert outbox.match_outbox_flush() == 0  # younger than a minute: left to its task for now
    MatchOutbox.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    call_command("match_pending", "--min-age", "60")
    row.refresh_from_db()
    assert row.status == "done" and Match.objects.filter(need=pending_need).exists()
    # the task arriving late (or a second flush) does nothing more
    assert outbox.match_outbox_process(outbox_id=row.pk) is False
    assert outbox.match_outbox_flush(min_age=datetime.timedelta(0)) == 0
    row.refresh_from_db()
    assert row.attempts == 1


@pytest.mark.django_db
def test_a_claim_abandoned_by_a_dead_worker_is_taken_again(pending_need, admin):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(outbox, "match_outbox_enqueue", lambda *, outbox_ids: 0)
        posting_services.posting_approve(posting=pending_need, user=admin)
    stale = timezone.now() - outbox.STALE_CLAIM - datetime.timedelta(seconds=1)
    MatchOutbox.objects.update(status="claimed", claimed_at=stale, attempts=1)
    assert outbox.match_outbox_flush(min_age=datetime.timedelta(0)) == 1
    assert MatchOutbox.objects.get().status == "done"
    MatchOutbox.objects.update(status="claimed", claimed_at=timezone.now())  # a live claim is left alone
    assert outbox.match_outbox_flush(min_age=datetime.timedelta(0)) == 0


@pytest.mark.django_db
def test_a_failing_match_is_recorded_and_retried_then_given_up(pending_need, admin, monkeypatch):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(outbox, "match_outbox_enqueue", lambda *, outbox_ids: 0)
        posting_services.posting_approve(posting=pending_need, user=admin)

    def broken(**kwargs):
        raise ValueError("index unavailable")

    monkeypatch.setattr(services, "posting_match", broken)
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert outbox.match_outbox_flush(min_age=datetime.timedelta(0)) == 0
        row = MatchOutbox.objects.get()
        assert row.attempts == attempt and "index unavailable" in row.last_error
    assert row.status == "failed"


@pytest.mark.django_db
def test_reopening_a_closed_posting_matches_it_again(pending_need, admin, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        posting_services.posting_approve(posting=pending_need, user=admin)
        posting_services.posting_close(posting=pending_need, user=owner)
        posting_services.posting_reopen(posting=pending_need, user=owner)
    assert list(MatchOutbox.objects.values_list("status", flat=True)) == ["done", "done"]


@pytest.mark.django_db
def test_approval_on_the_moderation_page_records_and_does_the_matching(
    pending_need, admin, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(reverse("needs:transition", args=[pending_need.pk, "approve"]))
    assert response.status_code == 302
    assert list(MatchOutbox.objects.values_list("posting_id", "status")) == [(pending_need.pk, "done")]
