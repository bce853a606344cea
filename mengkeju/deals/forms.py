from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import DealStage, MatchSource, MatchStatus
from mengkeju.core.forms import SubmissionTokenMixin
from mengkeju.core.models import IndustryCluster
from mengkeju.postings.models import validate_amount_wan


class MatchFilterForm(forms.Form):
    """Review queue filters (GET)."""

    cluster = forms.ModelChoiceField(
        IndustryCluster.objects.all(), required=False, label=_("Industry cluster"), empty_label=_("All clusters")
    )
    score_min = forms.FloatField(required=False, min_value=0, max_value=1, label=_("Score from"))
    score_max = forms.FloatField(required=False, min_value=0, max_value=1, label=_("Score up to"))
    age = forms.ChoiceField(
        required=False,
        label=_("Age"),
        choices=[
            ("", _("Proposed at any time")),
            ("1", _("Last 24 hours")),
            ("7", _("Last 7 days")),
            ("gt7", _("Older than 7 days")),
            ("gt30", _("Older than 30 days")),
        ],
    )
    source = forms.ChoiceField(
        required=False, label=_("Source"), choices=[("", _("All sources")), *MatchSource.choices]
    )
    sort = forms.ChoiceField(
        required=False,
        label=_("Sort by"),
        choices=[
            ("score", _("Match score, highest first")),
            ("oldest", _("Date proposed, oldest first (waiting longest)")),
            ("newest", _("Date proposed, newest first")),
        ],
    )

    def _valid(self) -> dict:
        """The fields that validated (an invalid one is left out, and its error shown)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def filters(self) -> dict:
        data = self._valid()
        return {
            "cluster": data.get("cluster"),
            "score_min": data.get("score_min"),
            "score_max": data.get("score_max"),
            "age": data.get("age") or "",
            "source": data.get("source") or "",
        }

    def sort_key(self) -> str:
        return self._valid().get("sort") or "score"


class ExportFilterForm(MatchFilterForm):
    status = forms.ChoiceField(
        required=False, label=_("Status"), choices=[("", _("All statuses")), *MatchStatus.choices]
    )
    stage = forms.ChoiceField(
        required=False, label=_("Deal stage"), choices=[("", _("All stages")), *DealStage.choices]
    )
    created_from = forms.DateField(
        required=False, label=_("Created from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        required=False, label=_("Created up to"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> dict:
        data = self._valid()
        return super().filters() | {
            "status": data.get("status") or "",
            "stage": data.get("stage") or "",
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(required=False, max_length=2000, label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the match is rejected."))
        return data


class BulkDecisionForm(DecisionForm):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), label=_("Matches"))

    def __init__(self, *args, ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(pk, pk) for pk in ids]


class InterestForm(SubmissionTokenMixin, forms.Form):
    counterpart = forms.ModelChoiceField(queryset=None, label=_("With your posting"), empty_label=None)
    message = forms.CharField(
        max_length=1000,
        required=False,
        label=_("Message to the broker"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this looks like a fit; a broker reviews it before contacts are shared."),
    )

    def __init__(self, *args, counterparts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counterpart"].queryset = counterparts


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=DealStage.choices, label=_("New stage"))
    note = forms.CharField(required=False, max_length=2000, label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))
    amount_wan = forms.DecimalField(
        required=False,
        max_digits=12,
        decimal_places=2,
        validators=[validate_amount_wan],
        label=_("Contract amount (10k CNY)"),
    )
    signed_on = forms.DateField(required=False, label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        required=False, max_length=2000, label=_("Reason dropped"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, DealStage(s).label) for s in targets]
        # only the fields some target needs: after the signature the contract fields are gone
        if DealStage.SIGNED not in targets:
            del self.fields["amount_wan"], self.fields["signed_on"]
        if DealStage.DROPPED not in targets:
            del self.fields["reason"]

    def clean(self):
        data = super().clean()
        for name in ("amount_wan", "signed_on"):
            data.setdefault(name, None)
        data.setdefault("reason", "")
        return data

    def clean_amount_wan(self):
        amount = self.cleaned_data.get("amount_wan")
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("The contract amount must be more than 0 (10k CNY)."), code="not_positive")
        return amount


class ChallengeEntryForm(SubmissionTokenMixin, forms.Form):
    achievement = forms.ModelChoiceField(queryset=None, label=_("With your achievement"), empty_label=None)
    proposal = forms.CharField(
        max_length=2000,
        label=_("Short proposal"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("How your team would solve it, in what time, with what result."),
    )

    def __init__(self, *args, achievements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["achievement"].queryset = achievements


class ChooseEntryForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class BoardFilterForm(forms.Form):
    """Deal board filters (GET): cluster, responsible broker, stage, stalled only."""

    assigned = forms.ChoiceField(
        required=False,
        label=_("Responsible"),
        choices=[("", _("All deals")), ("me", _("Assigned to me")), ("none", _("Nobody yet (to claim)"))],
    )
    cluster = forms.ModelChoiceField(
        IndustryCluster.objects.all(), required=False, label=_("Industry cluster"), empty_label=_("All clusters")
    )
    broker = forms.ModelChoiceField(queryset=None, required=False, label=_("Broker"), empty_label=_("All brokers"))
    stage = forms.ChoiceField(
        required=False, label=_("Deal stage"), choices=[("", _("All stages")), *DealStage.choices]
    )
    stalled = forms.BooleanField(required=False, label=_("Stalled only"))

    def __init__(self, *args, brokers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["broker"].queryset = brokers

    def filters(self) -> dict:
        data = {}
        if self.is_bound:
            self.is_valid()  # an invalid field is left out of cleaned_data and shown with its error
            data = self.cleaned_data
        return {
            "cluster": data.get("cluster"),
            "broker": data.get("broker"),
            "stage": data.get("stage") or "",
            "stalled": bool(data.get("stalled")),
            "mine": data.get("assigned") == "me",
            "unassigned": data.get("assigned") == "none",
        }


class AssignForm(forms.Form):
    broker = forms.ModelChoiceField(queryset=None, label=_("Responsible broker"), empty_label=None)

    def __init__(self, *args, brokers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["broker"].queryset = brokers
