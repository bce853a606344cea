"""Structured logs: one line per record with the request id of the request being served.

``KeyValueFormatter`` writes ``ts=... level=INFO logger=... request_id=... msg="..."`` (values with spaces
or quotes are quoted); ``JsonFormatter`` one JSON object per line with the same keys. Extra fields passed
with ``logger.info(..., extra={...})`` are added (``method``, ``path``, ``status``, ``duration_ms`` from
``mengkeju.core.middleware.RequestIdMiddleware``). The request id lives in a context variable set by the
middleware, so every record logged while a request is served carries it.

Celery tasks carry it too (``mengkeju.celery``): a task sent while a request is served gets the request id
in its message headers (``REQUEST_ID_HEADER``), and the worker sets it for the time the task runs, so the
worker's lines for that task (the task's own records and Celery's "received/succeeded" lines written
while it runs) have ``request_id=`` the web request's id and ``task_id=`` the task's id.  Tasks sent by
tasks pass it on; tasks sent by beat or a command have ``request_id=-``.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# the id of the Celery task being run by this worker (None outside tasks)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)
# a request id we accept from elsewhere (a proxy's X-Request-ID, a task header): letters, digits and
# . _ - only, 8 to 64 of them (anything else could forge log fields)
SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
REQUEST_ID_HEADER = "mengkeju_request_id"

# attributes every LogRecord has; anything else on a record came from ``extra=``
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "task_id",
}


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (``record.request_id``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id = task_id_var.get()
        return True


def _fields(record: logging.LogRecord, formatter: logging.Formatter) -> dict:
    fields = {
        "ts": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "logger": record.name,
        "request_id": getattr(record, "request_id", request_id_var.get()),
        "msg": record.getMessage(),
    }
    task_id = getattr(record, "task_id", None)
    if task_id:
        fields["task_id"] = task_id
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_"):
            fields[key] = value
    if record.exc_info:
        fields["exc"] = formatter.formatException(record.exc_info)
    return fields


def _kv_value(value) -> str:
    text = str(value)
    if text and not any(c in text for c in ' "=\n\t'):
        return text
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_kv_value(value)}" for key, value in _fields(record, self).items())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record, self), ensure_ascii=False, default=str)
