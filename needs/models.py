from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from mengkeju.core.models import Role
from mengkeju.lib.money import wan_display, wan_range_display
from mengkeju.postings.models import Posting, posting_input_errors, validate_amount_wan


class TechnicalNeed(Posting):
    """技术需求: a technical problem an enterprise wants solved."""

    kind = "need"
    manager_role = Role.ENTERPRISE

    budget_min_wan = models.DecimalField(
        _("budget from (10k CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), validate_amount_wan],
    )
    budget_max_wan = models.DecimalField(
        _("budget up to (10k CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), validate_amount_wan],
    )
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Visitors see only the public summary; the full text goes to brokers and the matched side."),
    )
    public_summary = models.TextField(_("public summary"), blank=True)
    is_challenge = models.BooleanField(_("open challenge (揭榜挂帅)"), default=False)
    challenge_bounty_wan = models.DecimalField(
        _("challenge bounty (10k CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), validate_amount_wan],
    )

    class Meta(Posting.Meta):
        verbose_name = _("technical need")
        verbose_name_plural = _("technical needs")
        permissions = [("moderate_technicalneed", _("Can moderate technical needs"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_min_wan__isnull=True)
                | Q(budget_max_wan__isnull=True)
                | Q(budget_min_wan__lte=F("budget_max_wan")),
                name="needs_technicalneed_budget_range",
            ),
            models.CheckConstraint(
                condition=Q(confidential=False) | ~Q(public_summary=""),
                name="needs_technicalneed_confidential_has_summary",
            ),
        ]

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = posting_input_errors(self)
        if (
            self.budget_min_wan is not None
            and self.budget_max_wan is not None
            and self.budget_min_wan > self.budget_max_wan
        ):
            errors.setdefault("budget_max_wan", []).append(_("The upper budget must not be below the lower budget."))
        if self.confidential and not self.public_summary.strip():
            errors.setdefault("public_summary", []).append(
                _("A confidential need needs a public summary for visitors.")
            )
        if self.is_challenge and not self.deadline:
            errors.setdefault("deadline", []).append(_("A challenge needs a deadline."))
        if not self.is_challenge and self.challenge_bounty_wan is not None:
            errors.setdefault("challenge_bounty_wan", []).append(
                _("A bounty belongs to a challenge (揭榜挂帅): tick “open challenge” or leave the bounty empty.")
            )
        if errors:
            raise ValidationError(errors)

    def public_text(self) -> str:
        return self.public_summary if self.confidential else self.description

    @property
    def budget_display(self) -> str:
        """The budget range in the active language (``80–200 万元`` / ``CNY 800,000–2 million``)."""
        low, high = self.budget_min_wan, self.budget_max_wan
        if low is None and high is None:
            return str(_("Negotiable"))
        return wan_range_display(low, high)

    @property
    def bounty_display(self) -> str:
        if self.challenge_bounty_wan is None:
            return str(_("Negotiable"))
        return wan_display(self.challenge_bounty_wan)
