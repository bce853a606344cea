"""What happens to a match after the matcher: review, introduction, deal stages and challenges (揭榜挂帅).

The ``matching.Match`` row carries the current state (status, deal stage, contract); ``DealEvent`` keeps
the timeline of who did what when, and ``ChallengeEntry`` the researchers' answers to a challenge need.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
        SUBMITTED = "submitted", _("Submitted")
        CHOSEN = "chosen", _("Chosen")
        NOT_CHOSEN = "not_chosen", _("Not chosen")

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
