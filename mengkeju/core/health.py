"""``GET /healthz`` for load balancers and monitoring: JSON, 200 when the site can serve, 503 when not.

``status`` is ``fail`` (503) when the database or the broker does not answer; ``degraded`` (200: the
site serves, work is late) when the oldest pending item of the mail or the matching outbox is older than
``HEALTHZ_OUTBOX_MAX_AGE`` seconds; else ``ok``. Each check has ``ok`` and its figures:

* ``database``: ``SELECT 1`` (``ms``); ``broker``: Redis ``PING`` with a 1 s timeout (``ms``; ``"eager"``
  when ``REDIS_URL`` is unset and tasks run in process);
* ``mail_outbox`` / ``matching_outbox``: ``pending`` rows and ``oldest_pending_seconds``;
* ``matching_backlog``: postings waiting for matching, the active full run and its chunks still to do.

No session, no login, no database writes; the page is exempt from the HTTPS redirect (probes often use
plain HTTP on the private address; they must still send an allowed ``Host``).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        result = check() or {}
    except Exception as exc:  # any failure of the dependency is the answer, not a 500
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1), **result}


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker() -> dict | None:
    if not settings.REDIS_URL:
        return {"mode": "eager"}
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return None


def _age(oldest, now) -> float | None:
    return round((now - oldest).total_seconds(), 1) if oldest else None


def _outbox(queryset) -> dict:
    now = timezone.now()
    pending = queryset.count()
    oldest = queryset.order_by("created_at").values_list("created_at", flat=True).first()
    age = _age(oldest, now)
    return {"pending": pending, "oldest_pending_seconds": age, "stale": age is not None and age > _max_age()}


def _max_age() -> int:
    return getattr(settings, "HEALTHZ_OUTBOX_MAX_AGE", 900)


def _mail_outbox() -> dict:
    from mengkeju.notifications.models import EmailOutbox, OutboxStatus

    return _outbox(EmailOutbox.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]))


def _matching_outbox() -> dict:
    from matching.models import MatchOutbox

    return _outbox(MatchOutbox.objects.filter(status__in=[MatchOutbox.Status.PENDING, MatchOutbox.Status.CLAIMED]))


def _matching_backlog() -> dict:
    from matching.models import MatchOutbox, MatchRun, MatchRunChunk

    active = (
        MatchRun.objects.filter(kind=MatchRun.Kind.FULL, status__in=MatchRun.ACTIVE_STATUSES)
        .order_by("-id")
        .values("pk", "status", "progress_at")
        .first()
    )
    chunks_left = MatchRunChunk.objects.filter(run_id=active["pk"], done_at=None).count() if active else 0
    return {
        "postings_waiting": MatchOutbox.objects.filter(
            status__in=[MatchOutbox.Status.PENDING, MatchOutbox.Status.CLAIMED]
        ).count(),
        "active_run": active["pk"] if active else None,
        "active_run_status": active["status"] if active else None,
        "chunks_left": chunks_left,
        "seconds_since_progress": _age(active["progress_at"], timezone.now()) if active else None,
    }


def health_report() -> tuple[int, dict]:
    """(HTTP status, report) as described in the module docstring."""
    checks = {"database": _timed(_database), "broker": _timed(_broker)}
    if checks["database"]["ok"]:
        checks["mail_outbox"] = _timed(_mail_outbox)
        checks["matching_outbox"] = _timed(_matching_outbox)
        checks["matching_backlog"] = _timed(_matching_backlog)
    if not (checks["database"]["ok"] and checks["broker"]["ok"]):
        status = "fail"
    elif any(not c["ok"] or c.get("stale") for c in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return (503 if status == "fail" else 200), {"status": status, "checks": checks}


@never_cache
@require_GET
def healthz(request):
    code, report = health_report()
    return JsonResponse(report, status=code, json_dumps_params={"ensure_ascii": False})
