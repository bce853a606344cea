"""The periodic expiry through the real path: Redis broker, a separate Celery worker process, PostgreSQL."""

import datetime

import pytest
from django.utils import timezone

from mengkeju.postings.models import PostingStatus as S
from mengkeju.postings.tasks import expire_postings
from needs.models import TechnicalNeed
from tests.factories import NeedFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_worker_expires_postings_past_their_deadline(celery_worker_process, org_a):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    due = NeedFactory(organization=org_a, title="已过期", deadline=yesterday)
    current = NeedFactory(organization=org_a, title="仍有效", deadline=yesterday + datetime.timedelta(days=30))

    result = expire_postings.delay()
    assert result.get(timeout=60) == {"need": 1, "achievement": 0}
    statuses = dict(TechnicalNeed.objects.values_list("title", "status"))
    assert statuses == {"已过期": S.EXPIRED, "仍有效": S.PUBLISHED}

    # delivered twice (acks_late, a worker restart): nothing more happens
    assert expire_postings.delay().get(timeout=60) == {"need": 0, "achievement": 0}
    due.refresh_from_db()
    current.refresh_from_db()
    assert (due.status, current.status) == (S.EXPIRED, S.PUBLISHED)
