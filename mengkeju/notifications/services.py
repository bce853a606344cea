"""Writes of notifications and the e-mail outbox.

``notify(...)`` is called inside the transaction of the decision it reports: it saves the in-app
notification and the outbox row, and only after the commit asks a Celery worker to send the mail.  If the
broker is down at that moment the row simply stays pending; ``outbox_resend_pending`` (beat, and
``manage.py send_pending_mail``) sends it later.  Sending is claimed by a conditional UPDATE, so a row is
mailed once even when the send task and the re-send task race each other.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from mengkeju.core.models import User
from mengkeju.lib.logs import request_id_var

from .models import EmailOutbox, Notification, OutboxStatus, notification_kind_label, notification_text

logger = logging.getLogger(__name__)

# A claim older than this is considered abandoned (a worker died mid-send) and is taken again.
STALE_CLAIM = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 8


def absolute_url(url: str) -> str:
    """A site path (``/deals/3/``) as the address to put in an e-mail (``SITE_URL`` + path); a URL that
    is not a site path is returned as it is."""
    return settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url


def _mail(kind: str, data: dict, url: str, language: str, name: str = "") -> tuple[str, str]:
    """Subject and body of the e-mail for ``kind`` in ``language`` (``zh-hans`` / ``en``)."""
    with translation.override(language):
        subject = gettext("[Mengkeju] %(what)s") % {"what": notification_kind_label(kind)}
        text = notification_text(kind, data)
        body = "\n\n".join(
            part
            for part in [
                gettext("Hello %(name)s,") % {"name": name} if name else "",
                text,
                gettext("Open it on the platform: %(url)s") % {"url": absolute_url(url)} if url else "",
                gettext("You can change the language of these e-mails on your profile: %(url)s")
                % {"url": absolute_url(reverse("accounts:profile"))},
                gettext("— Mengkeju technology transfer platform"),
            ]
            if part
        )
    return subject, body


def notify(
    *, recipients: Iterable[User], kind: str, data: dict, url: str = "", email: bool = True
) -> list[Notification]:
    """Tell each recipient about something that concerns them: in the app and (if they have an address and
    ``email``) by e-mail, sent after the commit.  This is the one helper every feature calls.

    ``recipients``: users (``None``, inactive users and duplicates are skipped).  ``kind``: a
    ``NotificationKind`` value; its sentence (``NOTIFICATION_TEXTS``) takes its placeholders from ``data``,
    a JSON-able dict of strings/numbers; codes under ``stage``/``previous_stage``/``posting_kind`` are
    translated when shown.  ``url``: a site path (``/deals/3/``), made absolute with ``SITE_URL`` in mail.

    The in-app text is rendered when it is shown, in the viewer's active language; the e-mail is rendered
    now, in each recipient's own language (``User.language``, else ``LANGUAGE_CODE``).  Call it inside the
    transaction of the decision it reports.  Returns the notifications created."""
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not people:
        return []
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            [Notification(recipient=user, kind=kind, data=data, url=url) for user in people.values()]
        )
        rows = []
        if email:
            for n in notifications:
                if not n.recipient.email:
                    continue
                subject, body = _mail(kind, data, url, n.recipient.preferred_language, name=str(n.recipient))
                row = EmailOutbox(notification=n, to=n.recipient.email, subject=subject, body=body)
                row.request_id = current_request_id()
                rows.append(row)
            rows = EmailOutbox.objects.bulk_create(rows)
        ids = [row.pk for row in rows]
        if ids:
            transaction.on_commit(lambda: outbox_enqueue(outbox_ids=ids))
    return notifications


def current_request_id() -> str:
    """The id of the web request (or of the task's originating request) being served, "" outside one;
    stored on outbox rows so that a send done later, by the re-send task, logs the request that wrote it."""
    value = request_id_var.get()
    return "" if value == "-" else value[:64]


def outbox_enqueue(*, outbox_ids: list[int]) -> int:
    """Hand rows to the workers. A broker outage is logged, not raised: the rows stay pending and the
    periodic re-send picks them up, so the decision that caused them is never undone by a mail problem."""
    from kombu.exceptions import OperationalError as BrokerError

    from . import tasks

    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover
        RedisError = BrokerError  # noqa: N806

    queued = 0
    for outbox_id in outbox_ids:
        try:
            tasks.send_outbox_email.delay(outbox_id)
        except (BrokerError, RedisError, OSError) as exc:
            logger.warning("broker unavailable, e-mail %s stays pending for the re-send task: %s", outbox_id, exc)
            break
        queued += 1
    return queued


def _claim(outbox_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return bool(
        EmailOutbox.objects.filter(claimable, pk=outbox_id).update(
            status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    )


def outbox_send(*, outbox_id: int) -> bool:
    """Send one row if nobody else has (or is doing it). True when this call sent it.

    The mail goes out outside any transaction; only the claim and the result are written.  The row's
    ``headers`` go on the message; its ``request_id`` is the ``request_id`` of the log records written
    while it is sent (when the sender has none of its own: the re-send task, a command).
    Raises whatever the mail backend raised, after recording it on the row."""
    if not _claim(outbox_id):
        return False
    row = EmailOutbox.objects.get(pk=outbox_id)
    token = request_id_var.set(row.request_id) if row.request_id and request_id_var.get() == "-" else None
    try:
        try:
            EmailMessage(subject=row.subject, body=row.body, to=[row.to], headers=row.headers or None).send()
        except Exception as exc:  # an SMTP problem of any kind: recorded on the row, tried again later
            failed = row.attempts >= MAX_ATTEMPTS
            EmailOutbox.objects.filter(pk=outbox_id, status=OutboxStatus.SENDING).update(
                status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
                last_error=f"{type(exc).__name__}: {exc}"[:1000],
                claimed_at=None,
                updated_at=timezone.now(),
            )
            logger.warning("e-mail %s not sent (attempt %s): %s", outbox_id, row.attempts, type(exc).__name__)
            raise
        now = timezone.now()
        EmailOutbox.objects.filter(pk=outbox_id).update(
            status=OutboxStatus.SENT, sent_at=now, last_error="", updated_at=now
        )
        logger.info("e-mail %s sent", outbox_id)
    finally:
        if token is not None:
            request_id_var.reset(token)
    return True


def outbox_resend_pending(*, min_age: datetime.timedelta = datetime.timedelta(minutes=1), limit: int = 500) -> int:
    """Send rows left pending (broker outage, failed SMTP) or stuck sending; returns how many went out.

    ``min_age`` leaves fresh rows to the task enqueued with them."""
    now = timezone.now()
    due = (
        EmailOutbox.objects.filter(
            Q(status=OutboxStatus.PENDING, created_at__lte=now - min_age)
            | Q(status=OutboxStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for outbox_id in list(due):
        try:
            sent += outbox_send(outbox_id=outbox_id)
        except Exception:  # recorded on the row by outbox_send; go on with the others
            logger.exception("re-sending e-mail %s failed", outbox_id)
    return sent


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now(), updated_at=timezone.now())
