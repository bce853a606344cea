from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Synonym


class SynonymForm(forms.Form):
    term = forms.CharField(label=_("Term"), max_length=Synonym._meta.get_field("term").max_length)
    synonym = forms.CharField(label=_("Synonym"), max_length=Synonym._meta.get_field("synonym").max_length)
    note = forms.CharField(label=_("Note"), max_length=Synonym._meta.get_field("note").max_length, required=False)


SEARCH_TOO_LONG = _(
    "A search is at most %(limit_value)d characters (this one has %(show_value)d): search for one word of it."
)


class WordSearchForm(forms.Form):
    """One word to look for in a table of the matcher's knowledge (at most 50 characters, a term's length)."""

    q = forms.CharField(
        label=_("Search"), required=False, max_length=50, error_messages={"max_length": SEARCH_TOO_LONG}
    )


class SynonymSearchForm(WordSearchForm):
    pass


class ConceptLinkForm(forms.Form):
    """A problem → technology relation of the concept layer (``matching.services.concept_link_save``)."""

    cluster = forms.ChoiceField(label=_("Industry cluster"))
    problem = forms.CharField(
        label=_("Problem cues"),
        max_length=200,
        help_text=_(
            "What enterprises write. Cue groups separated by spaces, alternatives by | — 路面|沥青 裂|坑槽 "
            "applies when the need mentions 路面 or 沥青, and 裂 or 坑槽."
        ),
    )
    technology = forms.CharField(
        label=_("Technology terms"),
        max_length=300,
        help_text=_("What achievements are called, separated by 、 — e.g. 沥青改性、抗冻融."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from mengkeju.core.models import IndustryCluster

        from .concepts import ANY_CLUSTER

        names = IndustryCluster.objects.order_by("sort_order", "code").values_list("name_zh", flat=True)
        # no default: an admin who forgets to choose would make a relation for every cluster
        self.fields["cluster"].choices = [("", _("Choose a cluster")), (ANY_CLUSTER, _("Every cluster"))] + [
            (name, name) for name in names
        ]


class ConceptSearchForm(WordSearchForm):
    cluster = forms.CharField(required=False, max_length=50)
