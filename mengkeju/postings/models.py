"""The abstract posting shared by technical needs and achievements, with its one status workflow."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from mengkeju.core.models import CooperationMode, IndustryCluster, Organization, TimeStampedModel
from mengkeju.lib.hidden import has_control_characters


def wan(amount: Decimal) -> str:
    """An amount in 万元 without trailing zeros: 100.00 → "100", 12.50 → "12.5"."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# Amounts in 万元 (10,000 CNY): budgets, asking prices, bounties and contract amounts.  The largest
# technology-transfer contracts reported in China are a few 亿元; 10 亿元 (100,000 万元) leaves room
# above them, while an amount in yuan typed into a 万元 field (3,000,000 for 300 万元) lands above it.
# The columns hold 12 digits with 2 decimals; SQLite does not enforce that, so the bound is checked here
# (model/form validation and ``import_postings`` share it) and is the same on both backends.
MAX_AMOUNT_WAN = Decimal("100000")
AMOUNT_WAN_DECIMAL_PLACES = 2


def _amount_text(value: Decimal, *, grouped: bool = False) -> str:
    """An amount for a message: in full up to 20 digits, in scientific notation beyond (1e999999999 written
    in full would be a billion characters)."""
    if value.adjusted() >= 20:
        return f"{value:.3E}"
    return f"{value:,f}" if grouped else wan(value)


def amount_wan_problem(value: Decimal) -> str | None:
    """Why ``value`` (万元) is not a plausible amount, in English, or None when it is.

    The one rule of both ``validate_amount_wan`` (forms, models) and ``import_postings``: finite, not
    negative, at most two decimal places, at most ``MAX_AMOUNT_WAN`` (10 亿元).
    """
    if not value.is_finite():
        return "must be a number"
    if value < 0:
        return "must not be negative"
    if value > MAX_AMOUNT_WAN:
        return (
            f"{_amount_text(value, grouped=True)} 万元 is more than {MAX_AMOUNT_WAN:,f} 万元 (10 亿元): "
            "this looks like yuan; "
            "the field is in 万元 (10,000 CNY)"
        )
    if value.as_tuple().exponent < -AMOUNT_WAN_DECIMAL_PLACES:
        return f"at most {AMOUNT_WAN_DECIMAL_PLACES} decimal places"
    return None


def validate_amount_wan(value) -> None:
    """Model and form validator of an amount in 万元: raises ``ValidationError`` (code ``negative`` or
    ``looks_like_yuan``) when ``value`` is below 0 or above ``MAX_AMOUNT_WAN`` (10 亿元)."""
    if value is None:
        return
    value = Decimal(value)
    if value.is_finite() and value < 0:
        raise ValidationError(_("An amount cannot be negative."), code="negative")
    if value.is_finite() and value > MAX_AMOUNT_WAN:
        raise ValidationError(
            _(
                "%(value)s is more than %(limit)s 万元 (1 billion CNY): this looks like yuan; "
                "the field is in 万元 (10,000 CNY)."
            ),
            code="looks_like_yuan",
            params={"value": _amount_text(value), "limit": wan(MAX_AMOUNT_WAN)},
        )


# --- input limits (forms, services, admin and anything else calling full_clean) -------------------------

# characters; CharFields have their own max_length
TEXT_LIMITS = {"description": 20_000, "public_summary": 2_000, "team": 2_000, "rejection_reason": 2_000}
# typed into the form
MAX_KEYWORDS = 12
MAX_KEYWORD_LENGTH = 30
# stored from any source (imported catalogues such as CSL carry up to ~20 keywords of up to ~25 characters)
MAX_STORED_KEYWORDS = 30
MAX_STORED_KEYWORD_LENGTH = 50
# a deadline outside these years is a typing error (0001-01-01, 20260-01-01)
DEADLINE_RANGE = (datetime.date(2000, 1, 1), datetime.date(2099, 12, 31))


def posting_input_errors(posting) -> dict[str, list[str]]:
    """Field → messages for what no posting may hold, whatever its source (form, import, admin): control
    characters (NUL breaks PostgreSQL's jsonb and text), texts over ``TEXT_LIMITS`` (a 2 MB description
    overflows PostgreSQL's tsvector), keywords that are not up to ``MAX_STORED_KEYWORDS`` strings of at
    most ``MAX_STORED_KEYWORD_LENGTH`` characters (the form allows fewer: ``MAX_KEYWORDS``), a deadline
    outside ``DEADLINE_RANGE``."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message) -> None:
        errors.setdefault(field, []).append(message)

    for field in posting._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or field.name == "search_tokens":
            continue
        value = getattr(posting, field.attname)
        if not isinstance(value, str):
            continue
        if has_control_characters(value):
            add(field.name, gettext_now("Remove the control character (such as NUL) from this text."))
        limit = TEXT_LIMITS.get(field.name)
        if limit and len(value) > limit:
            add(
                field.name,
                gettext_now("At most %(limit)d characters, you gave %(count)d.")
                % {"limit": limit, "count": len(value)},
            )
    keywords = posting.keywords
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
        add("keywords", gettext_now("Keywords must be a list of words."))
    else:
        if len(keywords) > MAX_STORED_KEYWORDS:
            add(
                "keywords",
                gettext_now("At most %(max)d keywords, you gave %(count)d.")
                % {"max": MAX_STORED_KEYWORDS, "count": len(keywords)},
            )
        too_long = [k for k in keywords if len(k) > MAX_STORED_KEYWORD_LENGTH]
        if too_long:
            word = too_long[0][:MAX_STORED_KEYWORD_LENGTH] + "…"
            add("keywords", gettext_now("Keyword too long: %(word)s") % {"word": word})
        if any(has_control_characters(k) for k in keywords):
            add("keywords", gettext_now("Remove the control character (such as NUL) from this text."))
    deadline = posting.deadline
    if isinstance(deadline, datetime.date) and not DEADLINE_RANGE[0] <= deadline <= DEADLINE_RANGE[1]:
        add(
            "deadline",
            gettext_now("Give a date between %(first)s and %(last)s.")
            % {"first": DEADLINE_RANGE[0].isoformat(), "last": DEADLINE_RANGE[1].isoformat()},
        )
    return errors


class PostingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending review")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")


class Posting(TimeStampedModel):
    """Fields and behaviour common to ``TechnicalNeed`` and ``Achievement``.

    Concrete models set ``kind`` ("need" / "achievement"), which names their URL namespace
    (``needs:`` / ``achievements:``) and the role that manages them.
    """

    kind: str
    manager_role: str

    external_id = models.CharField(
        _("external ID"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Identifier in the system the posting was imported from."),
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="%(class)ss"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    cluster = models.ForeignKey(
        IndustryCluster, verbose_name=_("industry cluster"), on_delete=models.PROTECT, related_name="%(class)ss"
    )
    cooperation_modes = models.ManyToManyField(
        CooperationMode, verbose_name=_("cooperation modes"), blank=True, related_name="%(class)ss"
    )
    region = models.CharField(_("region"), max_length=100, blank=True)
    # the division the region names (鄂尔多斯 → 鄂尔多斯市): what the library's region filter uses;
    # free-text regions outside the tree keep only ``region``
    division = models.ForeignKey(
        "regions.Division",
        verbose_name=_("region (division)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline = models.DateField(_("valid until"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    status = models.CharField(_("status"), max_length=20, choices=PostingStatus.choices, default=PostingStatus.DRAFT)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # Space-separated segmented words of the publicly visible text, indexed for library search
    # (a GIN index over to_tsvector('simple', ...) on PostgreSQL, see the app migrations).
    search_tokens = models.TextField(_("search words"), editable=False, blank=True, default="")
    # the title's pinyin sort key (postings.sorting.title_sort_key), for "Title A–Z"
    title_sort = models.CharField(_("title sort key"), max_length=255, editable=False, blank=True, default="")
    # page views by people outside the owning organization (the owners' workbench shows it)
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)

    class Meta:
        abstract = True
        ordering = ["-published_at", "-id"]
        indexes = [
            # library pages: published postings, newest first
            models.Index(fields=["status", "-published_at"], name="%(class)s_lib_idx"),
            # "my postings": one organization's postings in every state
            models.Index(fields=["organization", "status"], name="%(class)s_org_idx"),
            # library filter by cluster
            models.Index(fields=["cluster", "status"], name="%(class)s_cluster_idx"),
            # library sorted by title (pinyin)
            models.Index(fields=["status", "title_sort"], name="%(class)s_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(f"{self.kind}s:detail", args=[self.pk])

    def clean(self):
        errors = posting_input_errors(self)
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.status in (PostingStatus.DRAFT, PostingStatus.REJECTED, PostingStatus.PUBLISHED)

    def contact_details(self) -> dict:
        """Who to talk to, for the hand-off after an introduction: ``{"name", "phone", "email",
        "organization", "address"}`` (strings, "" when unknown). A contact field left empty on the posting
        falls back to the account of the person who posted it, so a pair always gets a real person."""
        person = self.created_by
        fallback = {
            "name": (person.display_name or person.get_full_name() or person.username) if person else "",
            "phone": person.phone if person else "",
            "email": person.email if person else "",
        }
        return {
            "name": self.contact_name or fallback["name"],
            "phone": self.contact_phone or fallback["phone"],
            "email": self.contact_email or fallback["email"],
            "organization": self.organization.name,
            "address": self.organization.address,
        }

    def public_text(self) -> str:
        """The text anyone may read; confidential needs override it with their public summary."""
        return self.description

    def searchable_text(self) -> str:
        # title and keywords count twice, so a posting about a word ranks above one that mentions it
        heading = " ".join([self.title, " ".join(self.keywords)])
        return " ".join([heading, heading, self.public_text()])

    def matching_text(self) -> dict:
        """What the matcher reads: the full text, confidential or not (matching is internal)."""
        return {"keywords": list(self.keywords), "title": self.title, "description": self.description}
