from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Frequency, SearchKind


class SavedSearchForm(forms.Form):
    """Posted from a library page: which library, its query string, a name and how often."""

    kind = forms.ChoiceField(choices=SearchKind.choices, widget=forms.HiddenInput)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    frequency = forms.ChoiceField(label=_("E-mail me"), choices=Frequency.choices, initial=Frequency.WEEKLY)


class SavedSearchUpdateForm(forms.Form):
    frequency = forms.ChoiceField(label=_("Digest"), choices=Frequency.choices)
    active = forms.BooleanField(label=_("Digest on"), required=False)
