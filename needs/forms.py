from django import forms

from mengkeju.postings.forms import PostingForm

from .models import TechnicalNeed


class NeedForm(PostingForm):
    class Meta(PostingForm.Meta):
        model = TechnicalNeed
        fields = [
            *PostingForm.common_fields[:5],
            "budget_min_wan",
            "budget_max_wan",
            *PostingForm.common_fields[5:],
            "confidential",
            "public_summary",
            "is_challenge",
            "challenge_bounty_wan",
        ]
        widgets = PostingForm.Meta.widgets | {"public_summary": forms.Textarea(attrs={"rows": 3})}
