import django_filters
from django.utils.translation import gettext_lazy as _

from mengkeju.postings.filters import PostingFilterSet

from .models import Achievement, Maturity


class AchievementFilterSet(PostingFilterSet):
    maturity = django_filters.MultipleChoiceFilter(label=_("Maturity"), choices=Maturity.choices)
    price_min = django_filters.NumberFilter(label=_("Price from (10k CNY)"), field_name="price_wan", lookup_expr="gte")
    price_max = django_filters.NumberFilter(label=_("Price up to (10k CNY)"), field_name="price_wan", lookup_expr="lte")

    class Meta:
        model = Achievement
        fields = []
