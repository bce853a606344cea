from mengkeju.postings.urls import posting_urlpatterns
from mengkeju.postings.views import PostingKind

from .filters import NeedFilterSet
from .forms import NeedForm
from .models import TechnicalNeed

app_name = "needs"
KIND = PostingKind(model=TechnicalNeed, form_class=NeedForm, filterset_class=NeedFilterSet)
urlpatterns = posting_urlpatterns(KIND)
