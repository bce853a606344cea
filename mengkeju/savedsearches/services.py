"""Saved searches and their digests.

A signed-in user saves the library's current query (words and filters) with a frequency (daily or
weekly).  ``saved_search_digests_send`` (beat every morning, and ``manage.py send_search_digests``) looks
at every active search that is due, finds the postings published since the search was saved that match
it and were not sent for it before, and sends them as one in-app notification plus one e-mail through the
outbox, in the user's language (``user.language`` where the profile has one, else the site's).  Each sent
posting is recorded as a ``SavedSearchHit`` (unique per search) in the same transaction, under a row lock
on the search, so a posting is never sent twice for the same search, however often the task runs.
Every e-mail carries a signed unsubscribe link that works without logging in: opening it shows a button
(GET changes nothing), pressing it (POST, or an RFC 8058 one-click POST) stops the alert.
"""

from __future__ import annotations

import datetime
import logging
from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mengkeju.core.models import User
from mengkeju.notifications.services import absolute_url
from mengkeju.postings.models import Posting

from .models import PERIODS, Frequency, SavedSearch, SavedSearchHit, SearchKind

logger = logging.getLogger(__name__)

MAX_SAVED_SEARCHES = 50  # per user
DIGEST_LISTED = 10  # postings written out in one digest; the rest are counted and linked
# a search checked 23 hours ago is due again today (beat runs once a day, not at the same second)
DUE_SLACK = datetime.timedelta(hours=1)
UNSUBSCRIBE_SALT = "mengkeju.savedsearches.unsubscribe"


def _kind_classes(kind: str):
    """(posting model, filter set class) of a library."""
    if kind == SearchKind.NEED:
        from needs.filters import NeedFilterSet
        from needs.models import TechnicalNeed

        return TechnicalNeed, NeedFilterSet
    if kind == SearchKind.ACHIEVEMENT:
        from achievements.filters import AchievementFilterSet
        from achievements.models import Achievement

        return Achievement, AchievementFilterSet
    raise ValidationError({"kind": _("Unknown library “%(kind)s”.") % {"kind": kind}})


def saved_search_params(*, kind: str, query: QueryDict | dict) -> dict[str, list[str]]:
    """The filter fields of a library query string as ``{name: [values]}``: no page, no empty values, no
    names the library does not know; sorted, so the same search saves the same way."""
    _model, filterset_class = _kind_classes(kind)
    if not isinstance(query, QueryDict):
        query = QueryDict(urlencode(query, doseq=True))
    params = {}
    for name in sorted(filterset_class.base_filters):
        values = [value.strip() for value in query.getlist(name) if value and value.strip()]
        if values and name != "sort":
            params[name] = values[:20]
    return params


def saved_search_default_name(*, kind: str, params: dict[str, list[str]]) -> str:
    words = " ".join(params.get("q", []))[:80]
    library = SearchKind(kind).label
    return f"{library}: {words}" if words else str(_("%(library)s: all new postings") % {"library": library})


def saved_search_create(
    *, user: User, kind: str, query: QueryDict | dict, name: str = "", frequency: str = Frequency.WEEKLY
) -> SavedSearch:
    """Save the library query ``query`` for ``user``.  Raises ``PermissionDenied`` for anonymous users and
    ``ValidationError`` for an unknown library or frequency, or past ``MAX_SAVED_SEARCHES``."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to save searches."))
    params = saved_search_params(kind=kind, query=query)
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            _("You already have %(max)d saved searches; delete one first.") % {"max": MAX_SAVED_SEARCHES}
        )
    search = SavedSearch(
        user=user,
        kind=kind,
        params=params,
        name=(name or "").strip()[:100] or saved_search_default_name(kind=kind, params=params),
        frequency=frequency,
    )
    search.full_clean()
    search.save()
    return search


def saved_search_update(*, saved_search: SavedSearch, user: User, frequency: str, active: bool) -> SavedSearch:
    if saved_search.user_id != user.pk:
        raise PermissionDenied
    saved_search.frequency = frequency
    saved_search.active = active
    saved_search.full_clean()
    saved_search.save(update_fields=["frequency", "active", "updated_at"])
    return saved_search


def saved_search_delete(*, saved_search: SavedSearch, user: User) -> None:
    if saved_search.user_id != user.pk:
        raise PermissionDenied
    saved_search.delete()


# --- one-click unsubscribe ----------------------------------------------------------------------------


def unsubscribe_token(saved_search: SavedSearch) -> str:
    """A signed token naming the search (no expiry: an old e-mail's link still works)."""
    return signing.dumps({"s": saved_search.pk, "u": saved_search.user_id}, salt=UNSUBSCRIBE_SALT)


def saved_search_from_token(token: str) -> SavedSearch | None:
    """The search a token names, or None for a forged, damaged or outdated token (search deleted)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return SavedSearch.objects.filter(pk=data.get("s"), user_id=data.get("u")).select_related("user").first()


def saved_search_set_active(*, saved_search: SavedSearch, active: bool) -> SavedSearch:
    """Turn the digest off (unsubscribe) or on again; idempotent."""
    SavedSearch.objects.filter(pk=saved_search.pk).update(active=active, updated_at=timezone.now())
    saved_search.active = active
    return saved_search


# --- results and digests ------------------------------------------------------------------------------


def saved_search_url(saved_search: SavedSearch, *, newest_first: bool = True) -> str:
    """The library page showing the search (newest first by default)."""
    params = dict(saved_search.params)
    if newest_first:
        params["sort"] = ["-published"]
    query = urlencode(params, doseq=True)
    return reverse(f"{saved_search.kind}s:library") + (f"?{query}" if query else "")


def saved_search_results(*, saved_search: SavedSearch) -> QuerySet:
    """The published postings matching the saved words and filters (fields that no longer validate, such
    as a deleted cluster, are left out, as on the library page)."""
    from mengkeju.postings.selectors import posting_list

    model, filterset_class = _kind_classes(saved_search.kind)
    data = QueryDict(urlencode(saved_search.params, doseq=True))
    filterset = filterset_class(data, queryset=posting_list(model=model, user=saved_search.user))
    return filterset.qs


def _is_due(saved_search: SavedSearch, now: datetime.datetime) -> bool:
    if not saved_search.active:
        return False
    if saved_search.checked_at is None:
        return True
    return saved_search.checked_at <= now - PERIODS[saved_search.frequency] + DUE_SLACK


def saved_search_list_due(*, now: datetime.datetime) -> QuerySet:
    due = Q(checked_at__isnull=True)
    for frequency, period in PERIODS.items():
        due |= Q(frequency=frequency, checked_at__lte=now - period + DUE_SLACK)
    return SavedSearch.objects.filter(due, active=True, user__is_active=True).order_by("checked_at", "id")


def unsubscribe_url(saved_search: SavedSearch) -> str:
    """The absolute one-click unsubscribe address of a saved search's digest (signed, no login needed)."""
    return absolute_url(reverse("savedsearches:unsubscribe", args=[unsubscribe_token(saved_search)]))


def unsubscribe_headers(saved_search: SavedSearch) -> dict[str, str]:
    """The digest's list headers: ``List-Unsubscribe`` (RFC 2369) with the signed address, and
    ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), so that mail clients offer their
    own unsubscribe button and send a POST to that address (the view answers it without a login)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(saved_search)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _digest_mail(saved_search: SavedSearch, postings: list[Posting], total: int) -> tuple[str, str]:
    with translation.override(saved_search.user.preferred_language):
        subject = _("[Mengkeju] %(count)d new for your saved search “%(name)s”") % {
            "count": total,
            "name": saved_search.name,
        }
        lines = [
            _("New postings match your saved search “%(name)s”:") % {"name": saved_search.name},
            "",
        ]
        for posting in postings:
            lines.append(f"- {posting.title} ({posting.organization.name})")
            lines.append(f"  {absolute_url(posting.get_absolute_url())}")
        if total > len(postings):
            lines += ["", _("… and %(more)d more.") % {"more": total - len(postings)}]
        lines += [
            "",
            _("All results: %(url)s") % {"url": absolute_url(saved_search_url(saved_search))},
            _("Your saved searches: %(url)s") % {"url": absolute_url(reverse("savedsearches:list"))},
            _("Stop this alert (no login needed): %(url)s") % {"url": unsubscribe_url(saved_search)},
            "",
            _("— Mengkeju technology transfer platform"),
        ]
    return subject, "\n".join(lines)


def saved_search_digest(*, saved_search_id: int, now: datetime.datetime | None = None) -> int:
    """Send the digest of one saved search if it is due and has something new; returns the number of
    postings sent (0 when not due, switched off, or nothing new)."""
    from mengkeju.notifications.models import EmailOutbox, NotificationKind
    from mengkeju.notifications.services import current_request_id, notify, outbox_enqueue

    now = now or timezone.now()
    with transaction.atomic():
        saved_search = SavedSearch.objects.select_for_update().select_related("user").filter(pk=saved_search_id).first()
        if saved_search is None or not saved_search.user.is_active or not _is_due(saved_search, now):
            return 0
        sent = SavedSearchHit.objects.filter(saved_search=saved_search).values("posting_id")
        new = (
            saved_search_results(saved_search=saved_search)
            .filter(published_at__gt=saved_search.created_at, published_at__lte=now)
            .exclude(pk__in=sent)
            .order_by("-published_at", "-id")
        )
        ids = list(new.values_list("pk", flat=True))
        saved_search.checked_at = now
        saved_search.save(update_fields=["checked_at", "updated_at"])
        if not ids:
            return 0
        SavedSearchHit.objects.bulk_create(
            [SavedSearchHit(saved_search=saved_search, posting_id=pk) for pk in ids], ignore_conflicts=True
        )
        listed = list(new.model.objects.select_related("organization").filter(pk__in=ids[:DIGEST_LISTED]))
        listed.sort(key=lambda p: ids.index(p.pk))
        url = saved_search_url(saved_search)
        notify(
            recipients=[saved_search.user],
            kind=NotificationKind.SEARCH_DIGEST,
            data={"name": saved_search.name, "count": len(ids)},
            url=url,
            email=False,
        )
        if saved_search.user.email:
            subject, body = _digest_mail(saved_search, listed, len(ids))
            row = EmailOutbox.objects.create(
                to=saved_search.user.email,
                subject=subject[:200],
                body=body,
                headers=unsubscribe_headers(saved_search),
                request_id=current_request_id(),
            )
            transaction.on_commit(lambda: outbox_enqueue(outbox_ids=[row.pk]))
    return len(ids)


def saved_search_digests_send(*, now: datetime.datetime | None = None, limit: int = 5000) -> dict[str, int]:
    """Send every due digest (see the module docstring); safe to run twice, concurrently too.

    Returns ``{"searches": looked at, "digests": sent, "postings": sent in them}``."""
    now = now or timezone.now()
    totals = {"searches": 0, "digests": 0, "postings": 0}
    for saved_search_id in list(saved_search_list_due(now=now).values_list("pk", flat=True)[:limit]):
        totals["searches"] += 1
        sent = saved_search_digest(saved_search_id=saved_search_id, now=now)
        if sent:
            totals["digests"] += 1
            totals["postings"] += sent
    return totals
