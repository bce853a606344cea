"""The outbox: sent once, re-sent while pending, never lost to a broker outage."""

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from matching.models import Match, MatchStatus
from mengkeju.notifications import services, tasks
from mengkeju.notifications.models import EmailOutbox, Notification, NotificationKind, OutboxStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(owner):
    [notification] = services.notify(
        recipients=[owner],
        kind=NotificationKind.MATCH_APPROVED,
        data={"need": "需求", "achievement": "成果"},
        url="/x/",
    )
    return EmailOutbox.objects.get(notification=notification)


def age(row, minutes):
    EmailOutbox.objects.filter(pk=row.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes))


def test_a_row_is_sent_once(row):
    assert services.outbox_send(outbox_id=row.pk) is True
    assert services.outbox_send(outbox_id=row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1) and row.sent_at
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [row.to]
    assert "需求" in mail.outbox[0].body and "http" in mail.outbox[0].body


def test_resend_sends_what_is_pending_and_old_enough(row):
    assert services.outbox_resend_pending() == 0  # fresh: left to its own task
    age(row, 5)
    assert services.outbox_resend_pending() == 1
    assert services.outbox_resend_pending() == 0
    assert len(mail.outbox) == 1


def test_a_claim_abandoned_by_a_dead_worker_is_taken_again(row):
    EmailOutbox.objects.filter(pk=row.pk).update(
        status=OutboxStatus.SENDING, claimed_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    assert services.outbox_resend_pending() == 1
    assert EmailOutbox.objects.get(pk=row.pk).status == OutboxStatus.SENT


def test_a_fresh_claim_is_not_taken_twice(row):
    EmailOutbox.objects.filter(pk=row.pk).update(status=OutboxStatus.SENDING, claimed_at=timezone.now())
    assert services.outbox_send(outbox_id=row.pk) is False
    assert mail.outbox == []


def test_smtp_failure_leaves_the_row_pending_then_failed(row, monkeypatch):
    def broken(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.outbox_send(outbox_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1) and "gone" in row.last_error
    EmailOutbox.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS)
    age(row, 5)
    assert services.outbox_resend_pending() == 0
    assert EmailOutbox.objects.get(pk=row.pk).status == OutboxStatus.FAILED


def test_approval_succeeds_when_the_broker_is_down(
    client_for, proposal, broker, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(tasks.send_outbox_email, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(broker).post(reverse("deals:decide", args=[proposal.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert Match.objects.get(pk=proposal.pk).status == MatchStatus.APPROVED
    rows = EmailOutbox.objects.all()
    assert rows.count() == 2 and set(rows.values_list("status", flat=True)) == {OutboxStatus.PENDING}
    assert mail.outbox == []
    # the periodic command sends them once the broker is back
    EmailOutbox.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    call_command("send_pending_mail")
    call_command("send_pending_mail", "--min-age", "0")
    assert len(mail.outbox) == 2
    assert set(rows.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_a_mail_sent_later_logs_the_request_that_wrote_it(owner, caplog):
    """The re-send task has no request of its own: its log records carry the id of the web request whose
    decision wrote the row, so one grep follows a decision to its e-mail."""
    from mengkeju.lib.logs import request_id_var

    token = request_id_var.set("req-4f2a")
    try:
        services.notify(recipients=[owner], kind=NotificationKind.MATCH_APPROVED, data={}, url="/x/")
    finally:
        request_id_var.reset(token)
    row = EmailOutbox.objects.get(to=owner.email)
    assert row.request_id == "req-4f2a"
    age(row, 5)
    with caplog.at_level("INFO", logger="mengkeju.notifications.services"):
        assert services.outbox_resend_pending() == 1
    [record] = [r for r in caplog.records if r.getMessage() == f"e-mail {row.pk} sent"]
    assert record.request_id == "req-4f2a"
    assert request_id_var.get() == "-"  # restored after the send


def test_users_without_address_get_the_notification_only(owner):
    owner.email = ""
    owner.save()
    services.notify(recipients=[owner], kind=NotificationKind.DEAL_STAGE, data={})
    assert Notification.objects.count() == 1 and not EmailOutbox.objects.exists()


def test_notification_text_survives_missing_data(owner):
    [n] = services.notify(recipients=[owner], kind=NotificationKind.MATCH_APPROVED, data={}, email=False)
    assert "…" in n.text
    n.kind = "unknown"
    assert n.text == ""


def test_the_beat_schedule_runs_the_resend_task(settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.resend_pending_mail.name]
    assert len(entries) == 1


def test_enqueue_counts_the_rows_handed_over_and_stops_at_the_first_broker_error(owner, monkeypatch, caplog):
    rows = [
        EmailOutbox.objects.get(notification=n)
        for n in services.notify(
            recipients=[owner, UserFactory(username="second", email="second@a.example")],
            kind=NotificationKind.MATCH_APPROVED,
            data={"need": "需求", "achievement": "成果"},
        )
    ]
    assert services.outbox_enqueue(outbox_ids=[r.pk for r in rows]) == 2
    assert len(mail.outbox) == 2  # eager tasks in tests: handed over = sent
    handed = []

    def first_then_down(outbox_id):
        if handed:
            raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")
        handed.append(outbox_id)

    monkeypatch.setattr(tasks.send_outbox_email, "delay", first_then_down)
    with caplog.at_level("WARNING", logger="mengkeju.notifications.services"):
        assert services.outbox_enqueue(outbox_ids=[rows[0].pk, rows[1].pk, rows[0].pk]) == 1
    assert handed == [rows[0].pk]
    assert f"e-mail {rows[1].pk} stays pending" in caplog.text and "Connection refused" in caplog.text


def test_the_mail_sent_is_the_rows_subject_body_and_headers_and_the_claim_is_stamped(row, monkeypatch):
    EmailOutbox.objects.filter(pk=row.pk).update(headers={"List-Unsubscribe": "<https://mengkeju.example.cn/u/1/>"})
    seen = {}
    send = EmailMessage.send

    def watching(message, fail_silently=False):
        seen["row"] = EmailOutbox.objects.get(pk=row.pk)
        return send(message, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", watching)
    before = timezone.now()
    assert services.outbox_send(outbox_id=row.pk)
    [message] = mail.outbox
    assert (message.subject, message.body) == (row.subject, row.body) and row.subject
    assert message.extra_headers == {"List-Unsubscribe": "<https://mengkeju.example.cn/u/1/>"}
    claimed = seen["row"]
    assert claimed.status == OutboxStatus.SENDING and claimed.claimed_at >= before
    assert claimed.updated_at == claimed.claimed_at


def test_a_sent_row_is_never_claimed_again_however_old_its_claim(row):
    assert services.outbox_send(outbox_id=row.pk)
    EmailOutbox.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - datetime.timedelta(hours=2))
    assert services.outbox_send(outbox_id=row.pk) is False
    age(row, 180)
    assert services.outbox_resend_pending() == 0
    assert len(mail.outbox) == 1


def test_the_last_allowed_attempt_that_fails_marks_the_row_failed_and_releases_the_claim(row, monkeypatch):
    def broken(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    EmailOutbox.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS - 2)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.outbox_send(outbox_id=row.pk)  # attempt MAX - 1: tried again later
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_at) == (OutboxStatus.PENDING, services.MAX_ATTEMPTS - 1, None)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.outbox_send(outbox_id=row.pk)  # attempt MAX: the last
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_at) == (OutboxStatus.FAILED, services.MAX_ATTEMPTS, None)


def test_resend_sends_the_oldest_first_counts_every_mail_and_logs_failures(owner, monkeypatch, caplog):
    notes = services.notify(
        recipients=[owner, UserFactory(username="second", email="second@a.example")],
        kind=NotificationKind.MATCH_APPROVED,
        data={"need": "需求", "achievement": "成果"},
    )
    first, second = (EmailOutbox.objects.get(notification=n) for n in notes)
    EmailOutbox.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    EmailOutbox.objects.filter(pk=second.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=9))
    assert services.outbox_resend_pending(limit=1) == 1
    assert mail.outbox[0].to == [second.to]  # the older row, though written after
    EmailOutbox.objects.filter(pk=second.pk).update(status=OutboxStatus.PENDING)
    assert services.outbox_resend_pending() == 2

    def broken(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    EmailOutbox.objects.update(status=OutboxStatus.PENDING)
    with caplog.at_level("ERROR", logger="mengkeju.notifications.services"):
        assert services.outbox_resend_pending() == 0
    assert f"re-sending e-mail {second.pk} failed" in caplog.text


def test_marking_read_keeps_the_first_reading_time(owner):
    [note] = services.notify(recipients=[owner], kind=NotificationKind.MATCH_APPROVED, data={}, email=False)
    assert services.notifications_mark_read(user=owner) == 1
    first = Notification.objects.get(pk=note.pk).read_at
    assert services.notifications_mark_read(user=owner) == 0
    assert Notification.objects.get(pk=note.pk).read_at == first


T0 = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)


def test_a_failed_send_records_the_error_on_its_own_row_only_and_logs_the_attempt(row, monkeypatch, caplog):
    other = EmailOutbox.objects.create(to="x@a.example", subject="s", body="b", status=OutboxStatus.SENDING)

    def broken(self, fail_silently=False):
        traveller.shift(datetime.timedelta(seconds=5))
        raise smtplib.SMTPServerDisconnected("gone " + "x" * 2000)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with (
        time_machine.travel(T0, tick=False) as traveller,
        caplog.at_level("WARNING", logger=services.__name__),
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        services.outbox_send(outbox_id=row.pk)
    row.refresh_from_db()
    assert row.last_error == ("SMTPServerDisconnected: gone " + "x" * 2000)[:1000] and len(row.last_error) == 1000
    assert row.updated_at == T0 + datetime.timedelta(seconds=5)  # the failure, not the claim
    assert [r.getMessage() for r in caplog.records] == [f"e-mail {row.pk} not sent (attempt 1): SMTPServerDisconnected"]
    assert EmailOutbox.objects.get(pk=other.pk).status == OutboxStatus.SENDING  # someone else's send


def test_a_failed_send_leaves_a_row_that_another_worker_has_sent_meanwhile_as_sent(row, monkeypatch):
    def sent_elsewhere_then_broken(self, fail_silently=False):
        EmailOutbox.objects.filter(pk=row.pk).update(status=OutboxStatus.SENT, sent_at=timezone.now())
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", sent_elsewhere_then_broken)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.outbox_send(outbox_id=row.pk)
    assert EmailOutbox.objects.get(pk=row.pk).status == OutboxStatus.SENT


def test_a_send_after_a_failure_clears_the_error_and_stamps_the_row(row):
    EmailOutbox.objects.filter(pk=row.pk).update(last_error="SMTPServerDisconnected: gone")
    send = EmailMessage.send

    def slow(message, fail_silently=False):
        traveller.shift(datetime.timedelta(seconds=5))
        return send(message, fail_silently)

    with time_machine.travel(T0, tick=False) as traveller, pytest.MonkeyPatch.context() as patch:
        patch.setattr(EmailMessage, "send", slow)
        assert services.outbox_send(outbox_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboxStatus.SENT, "")
    assert row.sent_at == row.updated_at == T0 + datetime.timedelta(seconds=5)


def test_a_sender_with_its_own_request_id_logs_its_own_and_one_without_logs_none(owner, caplog):
    from mengkeju.lib.logs import request_id_var

    token = request_id_var.set("req-row")
    try:
        [written] = services.notify(recipients=[owner], kind=NotificationKind.MATCH_APPROVED, data={})
    finally:
        request_id_var.reset(token)
    [unmarked] = services.notify(recipients=[owner], kind=NotificationKind.MATCH_APPROVED, data={})
    first, second = (EmailOutbox.objects.get(notification=n) for n in (written, unmarked))
    token = request_id_var.set("req-own")
    try:
        with caplog.at_level("INFO", logger=services.__name__):
            assert services.outbox_send(outbox_id=first.pk)
    finally:
        request_id_var.reset(token)
    with caplog.at_level("INFO", logger=services.__name__):
        assert services.outbox_send(outbox_id=second.pk)
    sent = {r.getMessage(): r.request_id for r in caplog.records}
    assert sent == {f"e-mail {first.pk} sent": "req-own", f"e-mail {second.pk} sent": "-"}


def test_the_log_lines_of_a_broker_outage_and_of_a_failed_resend_say_which_mail(row, monkeypatch, caplog):
    def down(outbox_id):
        raise OperationalError("Connection refused.")

    def broken(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(tasks.send_outbox_email, "delay", down)
    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    age(row, 5)
    with caplog.at_level("WARNING", logger=services.__name__):
        assert services.outbox_enqueue(outbox_ids=[row.pk]) == 0
        assert services.outbox_resend_pending() == 0
    messages = [r.getMessage() for r in caplog.records]
    assert f"broker unavailable, e-mail {row.pk} stays pending for the re-send task: Connection refused." in messages
    assert f"re-sending e-mail {row.pk} failed" in messages


def test_marking_read_stamps_the_notification(owner):
    [note] = services.notify(recipients=[owner], kind=NotificationKind.MATCH_APPROVED, data={}, email=False)
    with time_machine.travel(T0 + datetime.timedelta(days=1), tick=False):
        services.notifications_mark_read(user=owner, ids=[note.pk])
    note.refresh_from_db()
    assert note.read_at == note.updated_at == T0 + datetime.timedelta(days=1)
