"""Shared by the ``test_service_rules_*`` files: the clock, the readers of what people are told and
recorded, and the pairs the tests start from."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from matching.models import Match
from mengkeju.core.models import AuditLog
from mengkeju.deals.models import DealEvent
from mengkeju.notifications.models import Notification

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # 17:00 in Hohhot (Asia/Shanghai)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def messages(exc_info) -> list[str]:
    return [str(message) for message in exc_info.value.messages]


def recipients(kind) -> dict[str, str]:
    """username → link of each notification of ``kind``."""
    return {n.recipient.username: n.url for n in Notification.objects.filter(kind=kind)}


def text(kind) -> str:
    return Notification.objects.filter(kind=kind).first().text


def entry(action) -> tuple:
    entry = AuditLog.objects.get(action=action)
    return entry.actor, entry.summary, entry.note


def events(match) -> list[tuple]:
    return list(DealEvent.objects.filter(match=match).order_by("id").values_list("action", "actor", "stage", "note"))


def match_url(match) -> str:
    return reverse("deals:match", args=[match.pk])


def fresh(match) -> Match:
    return Match.objects.get(pk=match.pk)
