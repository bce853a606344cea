"""Library filters shared by both sides; each app adds its own (budget, maturity, price).

A value that cannot be used (``budget_max=50万``, a cluster that no longer exists, an unknown sort) is
reported on its own field and left out; every other field, the search words included, still applies
(``PostingFilterSet.qs`` filters by the valid part of ``form.cleaned_data``).
"""

import django_filters
from django import forms
from django.db.models import F, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from mengkeju.core.models import CooperationMode, IndustryCluster
from mengkeju.lib import fast_widgets
from mengkeju.regions.tree import RegionTree, region_tree

from . import search

NUMBER_ERROR = _("Enter a number in 10k CNY (万元), e.g. 50 — without 万 or other units.")
DATE_ERROR = _("Enter a date as YYYY-MM-DD, e.g. 2026-03-01.")


class RegionField(forms.ChoiceField):
    """A division chosen from a grouped ``<select>`` by code; a name typed into the URL (``region=鄂尔多斯``,
    as older links have it) is resolved to its division.  Cleans to a ``regions.tree.Node``."""

    widget = fast_widgets.Select  # 116 divisions: one template per option was most of the library page's time

    default_error_messages = {"invalid_choice": _("Unknown region “%(value)s”: choose one from the list.")}

    def __init__(self, *, tree_source=region_tree, **kwargs):
        self.tree_source = tree_source
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        node = self.tree_source().lookup(value)
        if node is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return node

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class RegionFilter(django_filters.Filter):
    field_class = RegionField


class PostingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 颗粒硅")}),
    )
    cluster = django_filters.ModelChoiceFilter(
        label=_("Industry cluster"),
        queryset=IndustryCluster.objects.all(),
        empty_label=_("All clusters"),
        widget=fast_widgets.Select,
        error_messages={"invalid_choice": _("This cluster no longer exists; choose another one.")},
    )
    mode = django_filters.ModelMultipleChoiceFilter(
        label=_("Cooperation modes"),
        queryset=CooperationMode.objects.all(),
        method="filter_modes",
        widget=fast_widgets.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Unknown cooperation mode “%(value)s”."),
            "invalid_pk_value": _("Unknown cooperation mode “%(pk)s”."),
        },
    )
    region = RegionFilter(label=_("Region"), method="filter_region")
    published_after = django_filters.DateFilter(
        label=_("Published from"),
        field_name="published_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": DATE_ERROR},
    )
    published_before = django_filters.DateFilter(
        label=_("Published until"),
        field_name="published_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": DATE_ERROR},
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        widget=fast_widgets.Select,
        method="filter_sort",
        choices=[
            ("-published", _("Newest first")),
            ("published", _("Oldest first")),
            ("title", _("Title A–Z (by pinyin)")),
            ("-title", _("Title Z–A (by pinyin)")),
        ],
        empty_label=_("Best match first (newest first without search words)"),
        error_messages={"invalid_choice": _("Unknown sort order “%(value)s”; the best match comes first.")},
    )

    SORTS = {
        "-published": (F("published_at").desc(nulls_last=True), "-id"),
        "published": (F("published_at").asc(nulls_last=True), "id"),
        "title": ("title_sort", "id"),
        "-title": ("-title_sort", "-id"),
    }

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["region"].extra.update(tree_source=lambda: self.regions, choices=lambda: self.region_choices)

    @cached_property
    def regions(self) -> RegionTree:
        return region_tree()

    @property
    def region_choices(self) -> list:
        return self.regions.choices(empty_label=str(_("All regions")))

    @property
    def invalid_fields(self) -> list[str]:
        """Labels of the fields whose values were left out (for the notice above the results)."""
        if not self.is_bound:
            return []
        self.errors  # noqa: B018 - validates the form
        return [str(self.form.fields[name].label) for name in self.form.errors if name in self.form.fields]

    def filter_search(self, queryset, name, value):
        return search.search(queryset, value)

    def filter_modes(self, queryset: QuerySet, name, value) -> QuerySet:
        """Postings offering any of the chosen modes (a subquery: no duplicates, no DISTINCT)."""
        if not value:
            return queryset
        through = queryset.model.cooperation_modes.through
        owner = f"{queryset.model._meta.model_name}_id"
        return queryset.filter(pk__in=through.objects.filter(cooperationmode__in=value).values(owner))

    def filter_region(self, queryset: QuerySet, name, node) -> QuerySet:
        """Postings in the division or anywhere under it (内蒙古自治区 → all; 鄂尔多斯市 → its 旗县区 too)."""
        if node is None:
            return queryset
        return queryset.filter(division_id__in=self.regions.descendant_ids(node))

    def filter_sort(self, queryset: QuerySet, name, value) -> QuerySet:
        return queryset.order_by(*self.SORTS[value]) if value in self.SORTS else queryset


def range_overlap(queryset, low_field: str, high_field: str, low, high):
    """Postings whose [low_field, high_field] range (open ends allowed) overlaps [low, high]."""
    from django.db.models import Q

    if low is not None:
        queryset = queryset.filter(Q(**{f"{high_field}__gte": low}) | Q(**{f"{high_field}__isnull": True}))
    if high is not None:
        queryset = queryset.filter(Q(**{f"{low_field}__lte": high}) | Q(**{f"{low_field}__isnull": True}))
    return queryset
