from mengkeju.postings.urls import posting_urlpatterns
from mengkeju.postings.views import PostingKind

from .filters import AchievementFilterSet
from .forms import AchievementForm
from .models import Achievement

app_name = "achievements"
KIND = PostingKind(model=Achievement, form_class=AchievementForm, filterset_class=AchievementFilterSet)
urlpatterns = posting_urlpatterns(KIND)
