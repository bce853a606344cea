from django import forms

from mengkeju.postings.forms import PostingForm

from .models import Achievement


class AchievementForm(PostingForm):
    class Meta(PostingForm.Meta):
        model = Achievement
        fields = [
            *PostingForm.common_fields[:5],
            "maturity",
            "price_wan",
            "ip_type",
            "ip_numbers",
            "lead_researcher",
            "team",
            *PostingForm.common_fields[5:],
        ]
        widgets = PostingForm.Meta.widgets | {"team": forms.Textarea(attrs={"rows": 2})}
