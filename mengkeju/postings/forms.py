import re

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from mengkeju.core.forms import SubmissionTokenMixin
from mengkeju.core.models import CooperationMode
from mengkeju.lib.hidden import clean_line, strip_hidden
from mengkeju.postings.limits import MAX_KEYWORDS, TEXT_LIMITS, control_problem, deadline_problem, keywords_problem
from mengkeju.regions.tree import region_tree

# A keyword: a run of anything but the separators (, ， 、 ; ； and white space), where white space between
# two Latin letters or digits stays inside the keyword: "OPC UA", "machine vision", "Industry 4.0" are one
# keyword each, while "颗粒硅 流化床" and "PLC 控制" are two (a space beside a Chinese character separates).
# static/js/forms.js (keywordsSplit) reads keywords by the same rule.
KEYWORD = re.compile(r"(?:[^,，、;；\s]|(?<=[0-9A-Za-z])\s+(?=[0-9A-Za-z]))+")


def keywords_split(text: str) -> list[str]:
    """The keywords typed in ``text`` (see ``KEYWORD``), in order, white space inside one made a single
    space, repeats dropped: ``keywords_split("OPC UA、边缘计算 PLC")`` → ``["OPC UA", "边缘计算", "PLC"]``."""
    return list(dict.fromkeys(" ".join(word.split()) for word in KEYWORD.findall(text or "")))


class KeywordsField(forms.CharField):
    """Keywords typed as one line, separated by commas, 、 or spaces (``keywords_split``: a space between
    two Latin words stays inside the keyword); stored as a list."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            format_lazy(_("Up to {max} keywords, separated by commas or 、."), max=MAX_KEYWORDS),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "、".join(value)
        return value

    def to_python(self, value):
        text = strip_hidden(super().to_python(value))
        problem = control_problem(text)  # before splitting: U+0085 would otherwise split as white space
        if problem:
            raise problem
        return keywords_split(text)

    def validate(self, value):
        super().validate(value)
        problem = keywords_problem(value) if value else None  # the rule of every source (postings.limits)
        if problem:
            raise problem


class PostingForm(SubmissionTokenMixin, forms.ModelForm):
    """Shared part of the need and achievement forms."""

    keywords = KeywordsField(label=_("Keywords"), required=True)
    cooperation_modes = forms.ModelMultipleChoiceField(
        label=_("Cooperation modes"),
        queryset=CooperationMode.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=True,
    )

    region_code = forms.ChoiceField(
        label=_("Region"),
        required=False,
        help_text=_(
            "The banner, county or district (旗县区), or a whole league or city (盟市) "
            "when the posting concerns all of it."
        ),
    )

    common_fields = [
        "title",
        "cluster",
        "keywords",
        "description",
        "cooperation_modes",
        "region_code",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, limit in TEXT_LIMITS.items():  # the model checks too; here the browser learns the limit
            field = self.fields.get(name)
            if field is not None:
                field.max_length = limit
                field.validators.append(MaxLengthValidator(limit))
                field.widget.attrs["maxlength"] = str(limit)
        # an empty choice says what to do, never "---------"
        for field in self.fields.values():
            if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
                continue
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = _("Choose…")
            elif isinstance(field, forms.ChoiceField):
                field.choices = [(value, _("Choose…") if value == "" else label) for value, label in field.choices]
        self.regions = region_tree()
        field = self.fields["region_code"]
        field.choices = self.regions.choices(empty_label=str(_("— no region —")))
        division = self.regions.by_id.get(self.instance.division_id)
        if division is not None:
            field.initial = division.code
        elif self.instance.region:  # an old free-text region outside the list stays as it is
            field.help_text = _("Now: “%(region)s” (not in the list; kept unless you choose a region).") % {
                "region": self.instance.region
            }

    def clean_title(self):
        return clean_line(self.cleaned_data["title"])

    def clean_deadline(self):
        """Today or later (a posting with a past deadline can never be approved), and at most
        ``limits.DEADLINE_MAX_YEARS`` ahead: ``limits.deadline_problem``, as ``import_postings``."""
        deadline = self.cleaned_data.get("deadline")
        problem = deadline_problem(deadline, timezone.localdate()) if deadline is not None else None
        if problem:
            raise problem
        return deadline

    def posting_data(self) -> tuple[dict, list]:
        """(field values for the service, cooperation modes); the region as ``division_id`` and its name."""
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("cooperation_modes", "submission_token", "region_code")
        }
        division = self.regions.by_code.get(self.cleaned_data.get("region_code") or "")
        if division is not None:
            data |= {"division_id": division.id, "region": self.regions.full_name(division)}
        elif self.instance.division_id is not None:  # the region was removed
            data |= {"division_id": None, "region": ""}
        return data, list(self.cleaned_data["cooperation_modes"])


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
