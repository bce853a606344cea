import uuid

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mengkeju.lib.hidden import clean_line, name_key
from mengkeju.lib.uploads import LICENCE_MAX_BYTES, LICENCE_TYPES, validate_upload

from .models import Organization, Role, User
from .validators import validate_credit_code


class SignupForm(UserCreationForm):
    """Sign up as an enterprise member or researcher, joining or registering an organization."""

    ROLE_CHOICES = [(Role.ENTERPRISE, Role.ENTERPRISE.label), (Role.RESEARCHER, Role.RESEARCHER.label)]
    JOIN, REGISTER = "join", "register"

    role = forms.ChoiceField(label=_("I am"), choices=ROLE_CHOICES, widget=forms.RadioSelect)
    display_name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    organization_choice = forms.ChoiceField(
        label=_("Organization"),
        choices=[
            (JOIN, _("Join an organization already on the platform (an admin approves)")),
            (REGISTER, _("Register a new organization (an admin verifies it)")),
        ],
        widget=forms.RadioSelect,
        initial=JOIN,
    )
    organization = forms.ModelChoiceField(
        label=_("Existing organization"),
        queryset=Organization.objects.all(),
        required=False,
        empty_label=_("Choose an organization…"),
        widget=forms.Select(attrs={"data-searchable": "", "data-search-placeholder": _("Type to search by name")}),
    )
    org_name = forms.CharField(label=_("New organization's name"), max_length=200, required=False)
    org_kind = forms.ChoiceField(label=_("Kind"), choices=Organization.Kind.choices, required=False)
    org_region = forms.CharField(label=_("Region"), max_length=100, required=False)
    org_credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        required=False,
        help_text=_("18 characters, required for enterprises."),
    )
    business_licence = forms.FileField(
        label=_("Business licence (营业执照)"),
        required=False,
        help_text=_("Optional: a scan or photo (JPG, PNG) or a PDF, at most 5 MB; only platform admins see it."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )
    accept_terms = forms.BooleanField(
        label=_("I have read and accept the terms of service and the privacy policy"),
        error_messages={"required": _("Accept the terms of service and the privacy policy to create an account.")},
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "email", "phone")

    def clean_org_name(self):
        return clean_line(self.cleaned_data["org_name"])

    def clean_display_name(self):
        return clean_line(self.cleaned_data["display_name"])

    JOIN_FIELDS = ("organization",)
    REGISTER_FIELDS = ("org_name", "org_kind", "org_region", "org_credit_code", "business_licence")
    PERSON_FIELDS = ("role", "username", "display_name", "email", "phone", "password1", "password2")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_kind"].choices = [("", _("Choose a kind…")), *Organization.Kind.choices]

    def group(self, names):
        return [self[name] for name in names]

    def person_fields(self):
        return self.group(self.PERSON_FIELDS)

    def join_fields(self):
        return self.group(self.JOIN_FIELDS)

    def register_fields(self):
        return self.group(self.REGISTER_FIELDS)

    def clean_business_licence(self):
        upload = self.cleaned_data.get("business_licence")
        if upload:
            validate_upload(upload, allowed=LICENCE_TYPES, max_bytes=LICENCE_MAX_BYTES)
        return upload

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if cleaned.get("organization_choice") == self.JOIN:
            organization = cleaned.get("organization")
            if not organization:
                self.add_error("organization", _("Choose your organization."))
            elif role and not organization.accepts_role(role):
                self.add_error("organization", self._role_mismatch(role, organization.kind))
            return cleaned
        if not cleaned.get("org_name"):
            self.add_error("org_name", _("Give the name of the new organization."))
        elif Organization.objects.filter(name_key=name_key(cleaned["org_name"])).exists():
            self.add_error("org_name", _("This organization is already registered; choose to join it instead."))
        kind = cleaned.get("org_kind")
        if not kind:
            self.add_error("org_kind", _("Choose what kind of organization it is."))
        elif role and not Organization(kind=kind).accepts_role(role):
            self.add_error("org_kind", self._role_mismatch(role, kind))
        code = (cleaned.get("org_credit_code") or "").strip().upper()
        if kind == Organization.Kind.ENTERPRISE and not code:
            self.add_error("org_credit_code", _("Enterprises must give their unified social credit code."))
        elif code:
            try:
                validate_credit_code(code)
            except forms.ValidationError as exc:
                self.add_error("org_credit_code", exc)
            else:
                if Organization.objects.filter(credit_code=code).exists():
                    self.add_error("org_credit_code", _("An organization with this credit code is already registered."))
            cleaned["org_credit_code"] = code
        return cleaned

    @staticmethod
    def _role_mismatch(role: str, kind: str) -> str:
        if role == Role.ENTERPRISE:
            return _("Enterprise members join an enterprise; researchers choose “Researcher” above.")
        return _("Researchers join a university or research institute, not a %(kind)s.") % {
            "kind": Organization.Kind(kind).label
        }

    # the service names the new organization's fields as the model does
    SERVICE_FIELDS = {"name": "org_name", "credit_code": "org_credit_code", "kind": "org_kind", "region": "org_region"}

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's ``ValidationError`` on the form field it is about."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            field = self.SERVICE_FIELDS.get(field, field) if self.new_organization() else field
            self.add_error(field if field in self.fields else None, errors)

    def new_organization(self) -> dict | None:
        if self.cleaned_data["organization_choice"] != self.REGISTER:
            return None
        return {
            "name": self.cleaned_data["org_name"],
            "kind": self.cleaned_data["org_kind"],
            "region": self.cleaned_data["org_region"],
            "credit_code": self.cleaned_data["org_credit_code"],
        }


class LicenceForm(forms.Form):
    business_licence = forms.FileField(
        label=_("Business licence (营业执照)"),
        help_text=_(
            "A scan or photo (JPG, PNG) or a PDF, at most 5 MB; only platform admins and your colleagues see it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )

    def clean_business_licence(self):
        upload = self.cleaned_data["business_licence"]
        validate_upload(upload, allowed=LICENCE_TYPES, max_bytes=LICENCE_MAX_BYTES)
        return upload


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "email", "phone", "title", "language")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("Platform default (%(language)s)") % {"language": dict(settings.LANGUAGES)[settings.LANGUAGE_CODE]}),
            *settings.LANGUAGES,
        ]


class SubmissionTokenMixin(forms.Form):
    """A hidden one-time token on a create form: submitting the same page twice creates one object
    (``core.services.submission_once``).  Optional, so a client without it still works (without the
    protection)."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)

    def submission(self) -> uuid.UUID | None:
        return self.cleaned_data.get("submission_token")
