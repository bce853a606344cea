"""/healthz for load balancers, and request ids in the logs and the response headers."""

import datetime
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import MatchOutbox, MatchRun
from mengkeju.lib.logs import JsonFormatter, KeyValueFormatter, RequestIdFilter
from mengkeju.notifications.models import EmailOutbox

ROOT = Path(__file__).resolve().parents[2]


def health(client):
    response = client.get(reverse("healthz"))
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, response.json()


@pytest.mark.django_db
def test_healthz_is_ok_for_anyone_without_a_session(client, settings):
    settings.REDIS_URL = None  # tasks in process: nothing to ping
    code, body = health(client)
    assert code == 200 and body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"] == {
        "ok": True,
        "ms": pytest.approx(0, abs=50),
        "mode": "eager",
    }
    assert (
        body["checks"]["mail_outbox"]["pending"] == 0
        and body["checks"]["mail_outbox"]["oldest_pending_seconds"] is None
    )
    assert body["checks"]["matching_backlog"]["active_run"] is None
    assert "sessionid" not in client.cookies


@pytest.mark.django_db
def test_old_pending_outbox_items_and_the_backlog_are_reported(client, settings, owner):
    settings.REDIS_URL = None
    settings.HEALTHZ_OUTBOX_MAX_AGE = 600
    MatchOutbox.objects.create(kind="need", posting_id=1)
    MatchOutbox.objects.create(kind="need", posting_id=2, status="done")
    old = timezone.now() - datetime.timedelta(seconds=700)
    MatchOutbox.objects.filter(posting_id=1).update(created_at=old)
    mail = EmailOutbox.objects.create(to="a@example.cn", subject="s", body="b")
    EmailOutbox.objects.filter(pk=mail.pk).update(created_at=timezone.now() - datetime.timedelta(seconds=30))
    run = MatchRun.objects.create(kind="full", status="running", total_chunks=0)
    code, body = health(client)
    assert code == 200 and body["status"] == "degraded"  # serving, but matching work is late
    matching = body["checks"]["matching_outbox"]
    assert matching["pending"] == 1 and matching["oldest_pending_seconds"] >= 700 and matching["stale"]
    assert body["checks"]["mail_outbox"]["pending"] == 1 and not body["checks"]["mail_outbox"]["stale"]
    assert 30 <= body["checks"]["mail_outbox"]["oldest_pending_seconds"] < 100
    backlog = body["checks"]["matching_backlog"]
    assert (backlog["postings_waiting"], backlog["active_run"], backlog["active_run_status"]) == (1, run.pk, "running")


@pytest.mark.django_db
def test_broker_down_is_a_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # a closed port
    code, body = health(client)
    assert code == 503 and body["status"] == "fail"
    assert not body["checks"]["broker"]["ok"] and "Connection" in body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"]


def test_database_down_is_a_503(tmp_path):
    code = (
        "import django, json; django.setup();"
        "from mengkeju.core.health import health_report;"
        "status, body = health_report(); print(status, json.dumps(body))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DEBUG", "SECRET_KEY")} | {
        "DJANGO_SETTINGS_MODULE": "mengkeju.settings",
        "MENGKEJU_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    status, body = result.stdout.split(" ", 1)
    body = json.loads(body)
    assert status == "503" and body["status"] == "fail"
    assert not body["checks"]["database"]["ok"] and "mail_outbox" not in body["checks"]


@pytest.mark.services
@pytest.mark.django_db
def test_healthz_pings_the_real_broker(client):
    code, body = health(client)
    assert code == 200 and body["checks"]["broker"]["ok"] and "mode" not in body["checks"]["broker"]


# --- request ids and structured logs ---------------------------------------------------------------


@pytest.fixture
def access_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("mengkeju.request")
    logger.addHandler(handler)
    saved = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(saved)


@pytest.mark.django_db
def test_every_response_has_a_request_id_which_is_in_its_log_line(client, access_lines):
    first, second = client.get(reverse("home")), client.get(reverse("home"))
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert ids[0] != ids[1] and all(len(i) == 32 for i in ids)
    lines = access_lines.getvalue().splitlines()
    assert len(lines) == 2
    for line, request_id in zip(lines, ids, strict=True):
        assert f"request_id={request_id}" in line
        assert "level=INFO logger=mengkeju.request" in line and "method=GET path=/ status=200" in line
        assert "duration_ms=" in line


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("lb-3f2a9c01-7e11", True),
        ("short", False),
        ("x" * 65, False),
        ('id with spaces and " quotes', False),
        ("abc\r\nSet-Cookie: x=1", False),
    ],
)
def test_a_sane_request_id_from_the_proxy_is_kept_anything_else_replaced(client, access_lines, incoming, kept):
    response = client.get(reverse("home"), headers={"X-Request-ID": incoming})
    assert (response["X-Request-ID"] == incoming) is kept
    assert f"request_id={response['X-Request-ID']}" in access_lines.getvalue()


def test_log_formats_quote_values_and_carry_extras():
    record = logging.LogRecord("mengkeju.x", logging.WARNING, __file__, 1, 'disk "full" at %s', ("/var",), None)
    record.status = 503
    RequestIdFilter().filter(record)
    line = KeyValueFormatter().format(record)
    assert 'level=WARNING logger=mengkeju.x request_id=- msg="disk \\"full\\" at /var" status=503' in line
    data = json.loads(JsonFormatter().format(record))
    assert (data["msg"], data["status"], data["request_id"]) == ('disk "full" at /var', 503, "-")
