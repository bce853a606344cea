"""The Celery application, and the request id carried from a web request to the tasks it sends.

Worker and beat log as the web does (``settings.LOGGING``: ``mengkeju.lib.logs``, one key=value or JSON
line per record) instead of in Celery's own format, so their lines carry ``request_id=`` and, while a
task runs, ``task_id=``.  The request id of the request being served goes into the headers of every task
it sends (``before_task_publish``) and is set in the worker for the time the task runs (``task_prerun``
to ``task_postrun``).
"""

import contextlib
import os

from celery import Celery, signals

from mengkeju.lib import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mengkeju.settings")

app = Celery("mengkeju", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _log_as_the_web_does(**kwargs) -> None:
    """Connected, this makes Celery leave logging alone; ``settings.LOGGING`` configures it instead."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _send_the_request_id(headers=None, **kwargs) -> None:
    request_id = logs.request_id_var.get()
    if headers is not None and request_id != "-":
        headers.setdefault(logs.REQUEST_ID_HEADER, request_id)


# context-variable tokens of the tasks running in this process, by task id
_tokens: dict[str, tuple] = {}


@signals.task_prerun.connect
def _take_the_request_id(task_id=None, task=None, **kwargs) -> None:
    """Set the task's request id (from its headers) and id for its log lines.  A task without the header
    (sent by beat or a command) keeps the current id: ``-`` in a worker, the request's when run eagerly
    inside a request."""
    incoming = getattr(task.request, logs.REQUEST_ID_HEADER, None) if task is not None else None
    request_token = None
    if isinstance(incoming, str) and logs.SANE_ID.fullmatch(incoming):
        request_token = logs.request_id_var.set(incoming)
    _tokens[task_id] = (request_token, logs.task_id_var.set(task_id))


@signals.task_postrun.connect
def _drop_the_request_id(task_id=None, **kwargs) -> None:
    request_token, task_token = _tokens.pop(task_id, (None, None))
    for var, token in ((logs.request_id_var, request_token), (logs.task_id_var, task_token)):
        if token is not None:
            with contextlib.suppress(ValueError):  # set in another context: nothing of ours to undo here
                var.reset(token)
