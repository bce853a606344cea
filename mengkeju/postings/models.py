"""The abstract posting shared by technical needs and achievements, with its one status workflow."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mengkeju.core.models import CooperationMode, IndustryCluster, Organization, TimeStampedModel
from mengkeju.postings.limits import (  # noqa: F401  (the amount names are used by migrations)
    MAX_AMOUNT_WAN,
    TEXT_LIMITS,
    amount_wan_problem,
    control_problem,
    keywords_problem,
    length_problem,
    message_of,
    stored_deadline_problem,
    validate_amount_wan,
    wan,
)


def posting_input_errors(posting) -> dict[str, list[str]]:
    """Field → messages for what no posting may hold, whatever its source (form, import, admin), by the
    rules of ``mengkeju.postings.limits``: control characters in any text, texts over their limit,
    keywords that are not up to ``MAX_KEYWORDS`` words of at most ``MAX_KEYWORD_LENGTH`` characters, a
    deadline outside ``STORED_DEADLINE_RANGE``."""
    errors: dict[str, list[str]] = {}

    def add(field: str, problem) -> None:
        if problem is not None:
            errors.setdefault(field, []).append(message_of(problem))

    for field in posting._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or field.name == "search_tokens":
            continue
        value = getattr(posting, field.attname)
        if not isinstance(value, str):
            continue
        add(field.name, control_problem(value))
        add(field.name, length_problem(value, TEXT_LIMITS.get(field.name)))  # max_length: Django checks
    add("keywords", keywords_problem(posting.keywords))
    add("deadline", stored_deadline_problem(posting.deadline))
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
            # library pages: published postings, newest first, in the exact order of the page (ties by id), so
            # PostgreSQL reads the first 20 from the index instead of sorting the whole library
            models.Index(fields=["status", "-published_at", "-id"], name="%(class)s_lib_idx"),
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
