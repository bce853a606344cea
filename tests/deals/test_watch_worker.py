"""The hourly deal watch through a real Celery worker (PostgreSQL + Redis): a late review is escalated to
the admins once, however often the task runs, with one mail for the admin in the outbox."""

import datetime

import pytest
from django.utils import timezone

from matching.models import Match
from mengkeju.deals import tasks
from mengkeju.deals.models import Escalation
from mengkeju.notifications.models import EmailOutbox, Notification, NotificationKind
from tests.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_watch_task_escalates_once_through_the_worker(celery_worker_process, proposal, admin):
    Match.objects.filter(pk=proposal.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    offset = len(celery_worker_process.log_path.read_text())

    def runs_done() -> int:
        return celery_worker_process.log_path.read_text()[offset:].count("mengkeju.deals.tasks.watch_deals[") // 2

    tasks.watch_deals.delay()
    assert wait_for(lambda: runs_done() >= 1), celery_worker_process.log_path.read_text()[-3000:]
    tasks.watch_deals.delay()
    assert wait_for(lambda: runs_done() >= 2), celery_worker_process.log_path.read_text()[-3000:]
    assert Escalation.objects.filter(match=proposal, kind=Escalation.Kind.REVIEW).count() == 1
    assert Notification.objects.filter(recipient=admin, kind=NotificationKind.REVIEW_OVERDUE).count() == 1
    # the mail is saved in the outbox with the escalation (sent by the outbox tasks, tests/notifications)
    assert EmailOutbox.objects.filter(to=admin.email, notification__kind=NotificationKind.REVIEW_OVERDUE).count() == 1
