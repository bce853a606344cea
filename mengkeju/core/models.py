from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mengkeju.lib.hidden import name_key
from mengkeju.lib.textanalysis.normalize import normalize_name

from .validators import validate_credit_code


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class BilingualNameMixin:
    """Models with ``name_zh`` and ``name_en`` show the one matching the active language."""

    @property
    def name(self) -> str:
        language = get_language() or ""
        return self.name_en if language.startswith("en") and self.name_en else self.name_zh

    def __str__(self) -> str:
        return self.name


class Organization(TimeStampedModel):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        UNIVERSITY = "university", _("University")
        INSTITUTE = "institute", _("Research institute")
        AGENCY = "agency", _("Service agency")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, unique=True)
    # the name as compared (mengkeju.lib.hidden.name_key): a look-alike with a zero-width space or
    # full-width letters cannot register beside an existing organization
    name_key = models.CharField(_("name for comparison"), max_length=200, unique=True, editable=False)
    region = models.CharField(_("region"), max_length=100, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("统一社会信用代码, 18 characters; required for enterprises."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    # a scan or photo of the business licence (营业执照), shown to admins through an access-checked view
    business_licence = models.FileField(_("business licence"), upload_to="licences/%Y/%m/", blank=True, max_length=200)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="core_organization_unique_credit_code",
            ),
            models.CheckConstraint(
                # imported enterprises may lack the code until an admin verifies them
                condition=~models.Q(kind="enterprise", verified=True) | ~models.Q(credit_code=""),
                name="core_organization_verified_enterprise_has_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # a derived column kept in step with the name wherever the row is saved (services, admin, factories)
        self.name_key = name_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    def clean(self):
        from django.core.exceptions import ValidationError

        self.name = normalize_name(self.name)
        self.name_key = name_key(self.name)
        if self.name and Organization.objects.filter(name_key=self.name_key).exclude(pk=self.pk).exists():
            raise ValidationError({"name": _("An organization with this name is already registered.")})
        self.credit_code = self.credit_code.strip().upper()
        if self.kind == self.Kind.ENTERPRISE and self.verified and not self.credit_code:
            raise ValidationError(
                {"credit_code": _("An enterprise can only be verified with its unified social credit code.")}
            )
        if self.credit_code:
            try:
                validate_credit_code(self.credit_code)
            except ValidationError as exc:
                raise ValidationError({"credit_code": exc.messages}) from None

    @property
    def is_enterprise(self) -> bool:
        return self.kind == self.Kind.ENTERPRISE

    def accepts_role(self, role: str) -> bool:
        """Enterprise members belong to enterprises; researchers to universities and institutes."""
        if role == Role.ENTERPRISE:
            return self.kind == self.Kind.ENTERPRISE
        if role == Role.RESEARCHER:
            return self.kind in (self.Kind.UNIVERSITY, self.Kind.INSTITUTE)
        return True


class Role(models.TextChoices):
    """Each role is a Django group of the same name; permissions hang off the groups."""

    ENTERPRISE = "enterprise", _("Enterprise member")
    RESEARCHER = "researcher", _("Researcher")
    BROKER = "broker", _("Technology broker")
    ADMIN = "admin", _("Platform admin")


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    # joining an existing organization waits for a platform admin's approval
    requested_organization = models.ForeignKey(
        Organization,
        verbose_name=_("asked to join"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="membership_requests",
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    # consent to the terms and privacy policy (PIPL): which version, and when
    terms_version = models.CharField(_("terms accepted (version)"), max_length=20, blank=True)
    terms_accepted_at = models.DateTimeField(_("terms accepted at"), null=True, blank=True)
    # the language of e-mail to this user and of the site after login; blank: the platform's default
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Used for e-mail from the platform and chosen for you when you log in."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def roles(self) -> set[str]:
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = set(self.groups.values_list("name", flat=True)) & set(Role.values)
            if self.is_superuser:
                self._roles_cache.add(Role.ADMIN)
        return self._roles_cache

    def has_role(self, role: str) -> bool:
        return self.is_authenticated and role in self.roles

    @property
    def is_platform_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def is_broker(self) -> bool:
        return self.has_role(Role.BROKER) or self.is_platform_admin

    @property
    def primary_role(self) -> str | None:
        for role in (Role.ADMIN, Role.BROKER, Role.ENTERPRISE, Role.RESEARCHER):
            if role in self.roles:
                return role
        return None

    @property
    def preferred_language(self) -> str:
        """The language of the user's notifications and mails (``zh-hans`` / ``en``): their choice when it
        is one of ``settings.LANGUAGES``, else the platform default."""
        codes = {code for code, _name in settings.LANGUAGES}
        return self.language if self.language in codes else settings.LANGUAGE_CODE

    def get_primary_role_display(self) -> str:
        role = self.primary_role
        return Role(role).label if role else ""


class IndustryCluster(BilingualNameMixin, TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    related = models.ManyToManyField("self", verbose_name=_("related clusters"), blank=True, symmetrical=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("industry cluster")
        verbose_name_plural = _("industry clusters")
        ordering = ["sort_order", "code"]


class CooperationMode(BilingualNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=20, unique=True)
    name_en = models.CharField(_("English name"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("cooperation mode")
        verbose_name_plural = _("cooperation modes")
        ordering = ["sort_order", "code"]


class AuditLog(models.Model):
    """Moderation and review decisions, one row each, never edited."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.SET_NULL, null=True, blank=True
    )
    action = models.CharField(_("action"), max_length=50)
    target_type = models.ForeignKey(ContentType, verbose_name=_("target type"), on_delete=models.CASCADE)
    target_id = models.PositiveBigIntegerField(_("target ID"))
    target = GenericForeignKey("target_type", "target_id")
    summary = models.CharField(_("summary"), max_length=300)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the history shown on a posting or match page: entries for one object, newest first
            models.Index(fields=["target_type", "target_id", "-created_at"], name="core_audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.summary}"


class FormSubmission(models.Model):
    """One submission of a create form (new need, achievement, challenge entry, interest), by the
    token the form carried: a second submission of the same page finds this row and is shown the object
    the first one created instead of creating another (``core.services.submission_once``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE)
    token = models.UUIDField(_("form token"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("target type"), on_delete=models.CASCADE, null=True, blank=True
    )
    target_id = models.PositiveBigIntegerField(_("target ID"), null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="core_formsubmission_once")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.token}"
