import django_filters
from django.utils.translation import gettext_lazy as _

from mengkeju.lib import fast_widgets
from mengkeju.postings.filters import NUMBER_ERROR, PostingFilterSet

from .models import Achievement, Maturity


class AchievementFilterSet(PostingFilterSet):
    maturity = django_filters.MultipleChoiceFilter(
        label=_("Maturity"),
        choices=Maturity.choices,
        widget=fast_widgets.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown maturity “%(value)s”.")},
        # a column of the posting itself: no duplicate rows to remove, and DISTINCT over every column made
        # the page's count 5× slower at 100k achievements (docs/benchmarks.md, "Pages")
        distinct=False,
    )
    price_min = django_filters.NumberFilter(
        label=_("Price from (10k CNY)"),
        field_name="price_wan",
        lookup_expr="gte",
        error_messages={"invalid": NUMBER_ERROR},
    )
    price_max = django_filters.NumberFilter(
        label=_("Price up to (10k CNY)"),
        field_name="price_wan",
        lookup_expr="lte",
        error_messages={"invalid": NUMBER_ERROR},
    )

    class Meta:
        model = Achievement
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # an example that the achievement library finds (颗粒硅, the need library's example, is a need)
        self.form.fields["q"].widget.attrs["placeholder"] = _("e.g. 稀土")
