"""What happens to a match after the matcher: review, introduction, deal stages and challenges (揭榜挂帅).

The ``matching.Match`` row carries the current state (status, deal stage, contract); ``DealEvent`` keeps
the timeline of who did what when, and ``ChallengeEntry`` the researchers' answers to a challenge need.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from achievements.models import Achievement
from matching.models import DealStage, Match
from mengkeju.core.models import Organization, TimeStampedModel
from needs.models import TechnicalNeed


class DealEvent(TimeStampedModel):
    class Action(models.TextChoices):
        REQUESTED = "requested", _("Interest expressed")
        APPROVED = "approved", _("Approved and introduced")
        REJECTED = "rejected", _("Rejected")
        CHOSEN = "chosen", _("Chosen in a challenge")
        STAGE = "stage", _("Deal stage changed")
        BROKER = "broker", _("Responsible broker")
        NDA = "nda", _("NDA accepted by the other side")

    match = models.ForeignKey(Match, verbose_name=_("match"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    stage = models.CharField(_("deal stage"), max_length=20, choices=DealStage.choices, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("deal event")
        verbose_name_plural = _("deal events")
        ordering = ["created_at", "id"]
        indexes = [
            # the timeline of one match, and the dashboard's "reached stage X" (match, stage)
            models.Index(fields=["match", "created_at"], name="deals_event_match_idx"),
            models.Index(fields=["stage", "match"], name="deals_event_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.stage}".strip()


class ChallengeEntry(TimeStampedModel):
    """A research team takes on a challenge need (揭榜) with one of its achievements and a short proposal."""

    class Status(models.TextChoices):
        # the words of an entry's state (已提交), not of the column "Submitted" (提交时间)
        SUBMITTED = "submitted", pgettext_lazy("challenge entry status", "Submitted")
        CHOSEN = "chosen", pgettext_lazy("challenge entry status", "Chosen")
        NOT_CHOSEN = "not_chosen", pgettext_lazy("challenge entry status", "Not chosen")

    need = models.ForeignKey(
        TechnicalNeed, verbose_name=_("challenge"), on_delete=models.CASCADE, related_name="challenge_entries"
    )
    achievement = models.ForeignKey(
        Achievement, verbose_name=_("achievement"), on_delete=models.CASCADE, related_name="challenge_entries"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="challenge_entries"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    proposal = models.TextField(_("proposal"), max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    match = models.ForeignKey(
        Match, verbose_name=_("match"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("challenge entry")
        verbose_name_plural = _("challenge entries")
        ordering = ["created_at", "id"]
        constraints = [
            # one entry per organization and challenge
            models.UniqueConstraint(fields=["need", "organization"], name="deals_entry_one_per_org"),
            # at most one winner per challenge
            models.UniqueConstraint(
                fields=["need"], condition=Q(status="chosen"), name="deals_entry_one_chosen_per_need"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.need}"


class Deal(TimeStampedModel):
    """The follow-up of one approved pair: its responsible broker, when it last moved, its NDA.

    One row per approved match, written when the match is approved (review or challenge winner).
    ``last_activity_at`` is the later of the last stage change and the last message, so "stalled"
    is one indexed comparison; ``stalled_reminded_at`` makes the stalled reminder go out once per stall.
    """

    match = models.OneToOneField(
        Match, verbose_name=_("match"), on_delete=models.CASCADE, primary_key=True, related_name="deal"
    )
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible broker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
    )
    last_activity_at = models.DateTimeField(_("last activity"))
    stalled_reminded_at = models.DateTimeField(_("stalled reminder sent"), null=True, blank=True)
    nda_accepted_at = models.DateTimeField(_("NDA accepted"), null=True, blank=True)
    nda_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("NDA recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-last_activity_at", "match_id"]
        indexes = [
            # "assigned to me" on the deal board and 我的匹配
            models.Index(fields=["broker", "-last_activity_at"], name="deals_deal_broker_idx"),
            # the stalled-deal sweep and the board's "stalled" filter
            models.Index(fields=["last_activity_at"], name="deals_deal_activity_idx"),
        ]

    def __str__(self) -> str:
        return str(self.match)


class Escalation(TimeStampedModel):
    """A broken response-time promise reported to the admins, once per pair and breach.

    ``since`` is the moment the clock started (the proposal's creation, the introduction), so a pair
    proposed or introduced again later can breach again, while re-running the sweep never repeats one.
    """

    class Kind(models.TextChoices):
        REVIEW = "review", _("Proposal not reviewed in time")
        CONTACT = "contact", _("Pair not contacted in time")

    match = models.ForeignKey(Match, verbose_name=_("match"), on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    since = models.DateTimeField(_("waiting since"))

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["match", "kind", "since"], name="deals_escalation_once_per_breach"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.match}"
