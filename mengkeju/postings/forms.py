import re

from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.core.forms import SubmissionTokenMixin
from mengkeju.core.models import CooperationMode
from mengkeju.lib.hidden import clean_line, strip_hidden, validate_no_control_characters

KEYWORD_SEPARATORS = re.compile(r"[,，、;；\s]+")
MAX_KEYWORDS = 12


class KeywordsField(forms.CharField):
    """Keywords typed as one line, separated by commas, 、 or spaces; stored as a list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Up to 12 keywords, separated by commas or 、."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "、".join(value)
        return value

    def to_python(self, value):
        text = strip_hidden(super().to_python(value))
        words = [word for word in KEYWORD_SEPARATORS.split(text) if word]
        return list(dict.fromkeys(words))

    def validate(self, value):
        super().validate(value)
        validate_no_control_characters(value)  # run_validators sees the list, not each word
        if len(value) > MAX_KEYWORDS:
            raise forms.ValidationError(
                _("At most %(max)d keywords, you gave %(count)d."), params={"max": MAX_KEYWORDS, "count": len(value)}
            )
        too_long = [word for word in value if len(word) > 30]
        if too_long:
            raise forms.ValidationError(_("Keyword too long: %(word)s"), params={"word": too_long[0]})


class PostingForm(SubmissionTokenMixin, forms.ModelForm):
    """Shared part of the need and achievement forms."""

    keywords = KeywordsField(label=_("Keywords"), required=True)
    cooperation_modes = forms.ModelMultipleChoiceField(
        label=_("Cooperation modes"),
        queryset=CooperationMode.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=True,
    )

    common_fields = [
        "title",
        "cluster",
        "keywords",
        "description",
        "cooperation_modes",
        "region",
        "deadline",
        "contact_name",
        "contact_phone",
        "contact_email",
    ]

    class Meta:
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_title(self):
        return clean_line(self.cleaned_data["title"])

    def posting_data(self) -> tuple[dict, list]:
        """(field values for the service, cooperation modes)."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("cooperation_modes", "submission_token")}
        return data, list(self.cleaned_data["cooperation_modes"])


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
