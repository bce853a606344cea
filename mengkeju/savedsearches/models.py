"""Saved searches: a user's library query (words and filters) with a daily or weekly digest of the new
postings that match it.  ``SavedSearchHit`` remembers what a digest already sent, so no posting is sent
twice for the same saved search."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.core.models import TimeStampedModel


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


PERIODS = {Frequency.DAILY: datetime.timedelta(days=1), Frequency.WEEKLY: datetime.timedelta(days=7)}


class SearchKind(models.TextChoices):
    NEED = "need", _("Technical needs")
    ACHIEVEMENT = "achievement", _("Achievements")


class SavedSearch(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="saved_searches"
    )
    kind = models.CharField(_("library"), max_length=20, choices=SearchKind.choices)
    name = models.CharField(_("name"), max_length=100)
    # the library's query string as {field: [values]} (only the filter fields; no page)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    frequency = models.CharField(_("digest"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    active = models.BooleanField(_("digest on"), default=True)
    # when the last digest run looked at this search (whether or not it found anything)
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the digest run: active searches of a frequency, least recently checked first
            models.Index(fields=["active", "frequency", "checked_at"], name="savedsearch_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.name}"


class SavedSearchHit(models.Model):
    """A posting a digest has sent for a saved search (never sent again for it)."""

    saved_search = models.ForeignKey(SavedSearch, verbose_name=_("saved search"), on_delete=models.CASCADE)
    posting_id = models.PositiveBigIntegerField(_("posting"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("sent posting")
        verbose_name_plural = _("sent postings")
        constraints = [
            models.UniqueConstraint(fields=["saved_search", "posting_id"], name="savedsearches_hit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.saved_search_id} → {self.posting_id}"
