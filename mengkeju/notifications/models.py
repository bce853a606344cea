"""In-app notifications and the e-mail outbox.

A notice that must not be lost is first saved as a row (``Notification`` for the notification centre,
``EmailOutbox`` for the mail), in the same transaction as the decision that caused it; a Celery task
sends the mail later, and a periodic task re-sends what is still pending (a broker outage only delays it).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mengkeju.core.models import TimeStampedModel


class NotificationKind(models.TextChoices):
    """What a notification is about.  The stored ``kind`` column has no choices, so adding a kind here (with
    its sentence in ``NOTIFICATION_TEXTS``) needs no migration."""

    MATCH_APPROVED = "match_approved", _("Introduction approved")
    MATCH_REJECTED = "match_rejected", _("Request declined")
    CHALLENGE_ENTRY = "challenge_entry", _("New challenge entry")
    CHALLENGE_CHOSEN = "challenge_chosen", _("Challenge entry chosen")
    CHALLENGE_WINNER = "challenge_winner", _("Challenge winner announced")
    DEAL_STAGE = "deal_stage", _("Deal moved on")
    POSTING_APPROVED = "posting_approved", _("Posting approved")
    POSTING_REJECTED = "posting_rejected", _("Posting rejected")
    ORGANIZATION_VERIFIED = "organization_verified", _("Organization verified")
    MEMBERSHIP_APPROVED = "membership_approved", _("Membership approved")
    MEMBERSHIP_REFUSED = "membership_refused", _("Membership refused")
    INTEREST_RECEIVED = "interest_received", _("Interest received")
    DEAL_ASSIGNED = "deal_assigned", _("Deal assigned to you")
    DEAL_STALLED = "deal_stalled", _("Deal stalled")
    REVIEW_OVERDUE = "review_overdue", _("Proposal waiting too long for review")
    CONTACT_OVERDUE = "contact_overdue", _("Introduced pair not contacted in time")
    NEW_MESSAGE = "new_message", _("New message")
    NDA_ACCEPTED = "nda_accepted", _("NDA recorded")
    SEARCH_DIGEST = "search_digest", _("New postings for a saved search")


# One sentence per kind; placeholders are keys of the notification's ``data``.  Keys holding codes are
# translated when the sentence is rendered (see ``_translated_values``), so a stored "negotiating" reads 洽谈中.
NOTIFICATION_TEXTS = {
    NotificationKind.MATCH_APPROVED: _(
        "A broker introduced “%(need)s” and “%(achievement)s”: you can now see each other's contact details."
    ),
    NotificationKind.MATCH_REJECTED: _("Your request about “%(need)s” and “%(achievement)s” was declined."),
    NotificationKind.CHALLENGE_ENTRY: _("%(organization)s took on your challenge “%(need)s”."),
    NotificationKind.CHALLENGE_CHOSEN: _("Your entry was chosen for the challenge “%(need)s”."),
    NotificationKind.CHALLENGE_WINNER: _("The challenge “%(need)s” has a winner: %(organization)s."),
    NotificationKind.DEAL_STAGE: _("The deal “%(need)s” ↔ “%(achievement)s” is now: %(stage)s."),
    NotificationKind.POSTING_APPROVED: _("Your %(posting_kind)s “%(title)s” was approved and is now public."),
    NotificationKind.POSTING_REJECTED: _("Your %(posting_kind)s “%(title)s” was not approved. Reason: %(reason)s"),
    NotificationKind.ORGANIZATION_VERIFIED: _("%(organization)s is now a verified organization on the platform."),
    NotificationKind.MEMBERSHIP_APPROVED: _("You are now a member of %(organization)s and can act for it."),
    NotificationKind.MEMBERSHIP_REFUSED: _("Your request to join %(organization)s was refused. %(reason)s"),
    NotificationKind.INTEREST_RECEIVED: _(
        "%(organization)s is interested in pairing “%(need)s” with “%(achievement)s”; a broker will review it."
    ),
    NotificationKind.DEAL_ASSIGNED: _("You are now the responsible broker of “%(need)s” ↔ “%(achievement)s”."),
    NotificationKind.DEAL_STALLED: _(
        "Nothing has happened on “%(need)s” ↔ “%(achievement)s” for %(days)s days: follow it up."
    ),
    NotificationKind.REVIEW_OVERDUE: _(
        "The proposal “%(need)s” ↔ “%(achievement)s” has waited more than %(days)s days for a review."
    ),
    NotificationKind.CONTACT_OVERDUE: _(
        "“%(need)s” and “%(achievement)s” were introduced more than %(days)s days ago and are not in contact yet."
    ),
    NotificationKind.NEW_MESSAGE: _("%(author)s wrote about “%(need)s” ↔ “%(achievement)s”: %(excerpt)s"),
    NotificationKind.NDA_ACCEPTED: _(
        "The NDA for “%(need)s” is recorded: the full text of the need is now shown to the other side."
    ),
    NotificationKind.SEARCH_DIGEST: _("New postings for your saved search “%(name)s”: %(count)s."),
}


def _translated_values(data: dict) -> dict:
    """Codes stored in ``data`` shown as words of the active language (unknown codes stay as they are)."""
    from matching.models import DealStage

    labels = {
        "stage": dict(DealStage.choices),
        "previous_stage": dict(DealStage.choices),
        "posting_kind": {"need": _("technical need"), "achievement": _("achievement")},
    }
    return {key: labels[key].get(value, value) if key in labels else value for key, value in data.items()}


def notification_text(kind: str, data: dict) -> str:
    """The sentence shown for a notification, in the active language (missing keys show as "…")."""

    class Defaults(dict):
        def __missing__(self, key):
            return "…"

    values = _translated_values({k: v for k, v in (data or {}).items() if isinstance(v, str | int | float)})
    params = Defaults({k: str(v) for k, v in values.items()})
    template = NOTIFICATION_TEXTS.get(kind)
    if template is None:
        return str(data.get("text", "")) if data else ""
    return (str(template) % params).strip()


def notification_kind_label(kind: str) -> str:
    try:
        return str(NotificationKind(kind).label)
    except ValueError:
        return gettext("Notification")


class Notification(TimeStampedModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    # a NotificationKind value; no choices on the column, so new kinds need no migration
    kind = models.CharField(_("kind"), max_length=30)
    data = models.JSONField(_("data"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the unread count in the navigation bar and the notification centre (newest first)
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notif_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.text}"

    @property
    def text(self) -> str:
        return notification_text(self.kind, self.data)

    def get_kind_display(self) -> str:
        return notification_kind_label(self.kind)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class EmailOutbox(TimeStampedModel):
    """One e-mail to send; written with the decision, sent by a task, re-sent while pending."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.SET_NULL, null=True, blank=True
    )
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # extra message headers, e.g. List-Unsubscribe (RFC 2369) and List-Unsubscribe-Post (RFC 8058)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    # the web request (or task) that wrote the row: the later send logs it as its request_id
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("e-mail outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the re-send task: rows still pending (or stuck sending), oldest first
            models.Index(fields=["status", "created_at"], name="outbox_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=OutboxStatus.SENT) | Q(sent_at__isnull=False), name="notifications_outbox_sent_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject} ({self.get_status_display()})"
