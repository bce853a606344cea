"""A web request's id travels with the tasks it sends: the real worker's log lines for the matching task
that an approval sends carry the request id of the approval (``X-Request-ID``) and the task's id, and a
task sent outside any request does not inherit it.  PostgreSQL + Redis + a real ``celery worker``."""

import time
import uuid

import pytest
from django.urls import reverse

from matching.models import MatchOutbox
from matching.tasks import match_outbox_flush
from tests.factories import NeedFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _lines_with(log_path, *texts: str, timeout: float = 60) -> list[str]:
    """The worker log's lines containing every one of ``texts``, waiting (up to ``timeout`` seconds)
    until there is one."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in log_path.read_text().splitlines() if all(t in line for t in texts)]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.2)


def test_the_worker_logs_a_task_with_the_id_of_the_request_that_sent_it(
    celery_worker_process, indexed, owner, admin, client_for
):
    need = NeedFactory(
        title="奶牛乳房炎在线检测",
        description="挤奶时在线发现早期乳房炎。",
        keywords=["乳房炎", "在线检测"],
        cluster="agri-food",
        status="pending",
        organization=owner.organization,
    )
    request_id = f"robust-{uuid.uuid4().hex}"
    response = client_for(admin).post(
        reverse("needs:transition", args=[need.pk, "approve"]), headers={"X-Request-ID": request_id}
    )
    assert response.status_code == 302 and response["X-Request-ID"] == request_id
    row = MatchOutbox.objects.get(posting_id=need.pk)

    # the task's lines: Celery's "succeeded" line and anything the task logs, with the request's id
    done = _lines_with(celery_worker_process.log_path, f"request_id={request_id}", "succeeded")
    assert done, celery_worker_process.log_path.read_text()[-3000:]
    assert "matching.tasks.match_posting" in done[0] and "task_id=" in done[0]
    row.refresh_from_db()
    assert row.status == "done"

    # a task sent outside a request (beat, a command, a test) has no request id, not the last one's
    result = match_outbox_flush.delay(0)
    result.get(timeout=60)
    flush_lines = _lines_with(celery_worker_process.log_path, f"task_id={result.id}", "succeeded")
    assert flush_lines and all("request_id=- " in line for line in flush_lines), flush_lines
