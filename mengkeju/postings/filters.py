"""Library filters shared by both sides; each app adds its own (budget, maturity, price)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.core.models import CooperationMode, IndustryCluster

from . import search


class PostingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 颗粒硅")}),
    )
    cluster = django_filters.ModelChoiceFilter(
        label=_("Industry cluster"), queryset=IndustryCluster.objects.all(), empty_label=_("All clusters")
    )
    mode = django_filters.ModelChoiceFilter(
        label=_("Cooperation mode"),
        field_name="cooperation_modes",
        queryset=CooperationMode.objects.all(),
        empty_label=_("Any mode"),
    )
    region = django_filters.CharFilter(label=_("Region"), lookup_expr="icontains")
    published_after = django_filters.DateFilter(
        label=_("Published from"),
        field_name="published_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    published_before = django_filters.DateFilter(
        label=_("Published until"),
        field_name="published_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort"),
        fields=(("published_at", "published"), ("title", "title")),
        field_labels={
            "-published": _("Newest first"),
            "published": _("Oldest first"),
            "title": _("Title A–Z"),
            "-title": _("Title Z–A"),
        },
        empty_label=_("Relevance / newest"),
    )

    def filter_search(self, queryset, name, value):
        return search.search(queryset, value)


def range_overlap(queryset, low_field: str, high_field: str, low, high):
    """Postings whose [low_field, high_field] range (open ends allowed) overlaps [low, high]."""
    from django.db.models import Q

    if low is not None:
        queryset = queryset.filter(Q(**{f"{high_field}__gte": low}) | Q(**{f"{high_field}__isnull": True}))
    if high is not None:
        queryset = queryset.filter(Q(**{f"{low_field}__lte": high}) | Q(**{f"{low_field}__isnull": True}))
    return queryset
