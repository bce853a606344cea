import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.postings.filters import NUMBER_ERROR, PostingFilterSet, range_overlap

from .models import TechnicalNeed


class NeedFilterSet(PostingFilterSet):
    budget_min = django_filters.NumberFilter(
        label=_("Budget from (10k CNY)"), method="filter_budget_min", error_messages={"invalid": NUMBER_ERROR}
    )
    budget_max = django_filters.NumberFilter(
        label=_("Budget up to (10k CNY)"), method="filter_budget_max", error_messages={"invalid": NUMBER_ERROR}
    )
    challenge = django_filters.BooleanFilter(
        label=_("Challenges only"), method="filter_challenge", widget=forms.CheckboxInput
    )

    class Meta:
        model = TechnicalNeed
        fields = []

    def filter_challenge(self, queryset, name, value):
        return queryset.filter(is_challenge=True) if value else queryset

    def filter_budget_min(self, queryset, name, value):
        """Needs whose budget can reach ``value``."""
        return range_overlap(queryset, "budget_min_wan", "budget_max_wan", value, None)

    def filter_budget_max(self, queryset, name, value):
        """Needs whose budget starts at or below ``value``."""
        return range_overlap(queryset, "budget_min_wan", "budget_max_wan", None, value)
