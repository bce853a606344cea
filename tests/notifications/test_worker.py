"""Introduction e-mail through a real Celery worker process over Redis, on PostgreSQL — and a broker
outage that delays the mail without losing it.

The worker is ``celery_worker_process`` (tests/conftest.py): a separate process on the test database
whose console mail backend writes each message to its log, which is how the tests see what was sent."""

import contextlib

import pytest
from django.urls import reverse

from matching.models import Match, MatchStatus
from mengkeju.celery import app
from mengkeju.notifications.models import EmailOutbox, OutboxStatus
from mengkeju.notifications.tasks import resend_pending_mail
from tests.conftest import wait_for, worker_round_trip

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@contextlib.contextmanager
def broker_at(url: str):
    """Point this process's Celery app at another broker (the worker process keeps the real one)."""

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url
    app.conf.broker_url = url
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url = saved
        reset_pools()


def log_since(worker, offset: int) -> str:
    return worker.log_path.read_text()[offset:]


def sent_to(text: str, address: str) -> int:
    return text.count(f"To: {address}")


def test_approval_mail_goes_out_through_the_worker(
    celery_worker_process, client_for, proposal, broker, owner, researcher
):
    offset = len(celery_worker_process.log_path.read_text())
    response = client_for(broker).post(reverse("deals:decide", args=[proposal.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert wait_for(lambda: EmailOutbox.objects.filter(status=OutboxStatus.SENT).count() == 2), log_since(
        celery_worker_process, offset
    )[-3000:]
    log = log_since(celery_worker_process, offset)
    assert sent_to(log, owner.email) == 1 and sent_to(log, researcher.email) == 1
    assert set(EmailOutbox.objects.values_list("attempts", flat=True)) == {1}


def test_broker_down_approval_succeeds_and_the_mail_follows_once(
    celery_worker_process, client_for, proposal, broker, owner, researcher
):
    offset = len(celery_worker_process.log_path.read_text())
    with broker_at(CLOSED_PORT_BROKER):
        response = client_for(broker).post(reverse("deals:decide", args=[proposal.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert Match.objects.get(pk=proposal.pk).status == MatchStatus.APPROVED
    rows = EmailOutbox.objects.order_by("to")
    assert [(r.to, r.status, r.attempts) for r in rows] == [
        (owner.email, OutboxStatus.PENDING, 0),
        (researcher.email, OutboxStatus.PENDING, 0),
    ]
    worker_round_trip()  # anything the decision could have sent has reached the worker by now
    assert sent_to(log_since(celery_worker_process, offset), owner.email) == 0

    # the broker is back: the periodic re-send (sent to the worker over Redis) delivers each mail once
    assert resend_pending_mail.delay(0).get(timeout=60) == 2
    assert resend_pending_mail.delay(0).get(timeout=60) == 0
    log = log_since(celery_worker_process, offset)
    assert sent_to(log, owner.email) == 1 and sent_to(log, researcher.email) == 1
    assert [(r.status, r.attempts) for r in rows.all()] == [(OutboxStatus.SENT, 1)] * 2
