from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Synonym


class SynonymForm(forms.Form):
    term = forms.CharField(label=_("Term"), max_length=Synonym._meta.get_field("term").max_length)
    synonym = forms.CharField(label=_("Synonym"), max_length=Synonym._meta.get_field("synonym").max_length)
    note = forms.CharField(label=_("Note"), max_length=Synonym._meta.get_field("note").max_length, required=False)


class SynonymSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
