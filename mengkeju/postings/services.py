"""The posting workflow, written once for needs and achievements.

draft → pending review → published ↔ closed; pending → rejected (with a reason; editing returns it to
draft); published → expired after the deadline.  Every transition is a conditional UPDATE on the
expected status, so two people acting at once cannot both succeed.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mengkeju.core.models import CooperationMode, User
from mengkeju.core.services import audit_log_record

from . import permissions
from .models import Posting, PostingStatus
from .search import search_tokens_of
from .sorting import title_sort_key

S = PostingStatus


class TransitionError(ValidationError):
    """An action that the posting's current status does not allow."""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    by_moderator: bool
    label: str  # "Cannot <label> a posting that is ..."


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", (S.DRAFT,), S.PENDING, by_moderator=False, label=gettext_lazy("submit for review")),
        Transition("approve", (S.PENDING,), S.PUBLISHED, by_moderator=True, label=gettext_lazy("approve")),
        Transition("reject", (S.PENDING,), S.REJECTED, by_moderator=True, label=gettext_lazy("reject")),
        Transition("close", (S.PUBLISHED,), S.CLOSED, by_moderator=False, label=gettext_lazy("close")),
        Transition("reopen", (S.CLOSED,), S.PUBLISHED, by_moderator=False, label=gettext_lazy("reopen")),
        Transition("expire", (S.PUBLISHED,), S.EXPIRED, by_moderator=True, label=gettext_lazy("expire")),
    )
}


def _may(*, transition: Transition, posting: Posting, user: User) -> bool:
    """Moderation is for admins; the owners' actions are theirs, and admins may also close a posting."""
    if transition.by_moderator:
        return permissions.can_moderate(user)
    return permissions.can_manage(user, posting) or (transition.name == "close" and permissions.can_moderate(user))


def allowed_actions(*, posting: Posting, user: User) -> list[str]:
    """The transitions this user may apply to the posting now (for buttons on pages)."""
    return [
        transition.name
        for transition in TRANSITIONS.values()
        if transition.name != "expire"
        and posting.status in transition.sources
        and _may(transition=transition, posting=posting, user=user)
    ]


def _check_actor(*, transition: Transition, posting: Posting, user: User | None) -> None:
    if user is None or _may(transition=transition, posting=posting, user=user):  # None: the system (expiry)
        return
    if transition.by_moderator:
        raise PermissionDenied(_("Only platform admins can do this."))
    raise PermissionDenied(_("Only members of the owning organization can do this."))


def _transition(*, posting: Posting, name: str, user: User | None, note: str = "", **changes) -> Posting:
    transition = TRANSITIONS[name]
    _check_actor(transition=transition, posting=posting, user=user)
    if posting.status not in transition.sources:
        raise TransitionError(
            _("Cannot %(action)s a posting that is %(status)s.")
            % {"action": transition.label, "status": posting.get_status_display()},
            code="invalid_transition",
        )
    changes = {"status": transition.target, "updated_at": timezone.now(), **changes}
    with transaction.atomic():
        updated = type(posting).objects.filter(pk=posting.pk, status__in=transition.sources).update(**changes)
        if not updated:
            raise TransitionError(
                _("Someone else changed this posting in the meantime; reload the page and try again."),
                code="conflict",
            )
        for field, value in changes.items():
            setattr(posting, field, value)
        audit_log_record(
            actor=user,
            action=f"{posting.kind}.{name}",
            target=posting,
            summary=f"{name}: {posting.title}",
            note=note,
        )
        _after_status_change(posting=posting, previous=transition.sources, name=name)
        _notify_owners(posting=posting, name=name, note=note)
    return posting


def _notify_owners(*, posting: Posting, name: str, note: str) -> None:
    """A moderator's decision is told to the members who manage the posting (and its author)."""
    from mengkeju.core.models import User
    from mengkeju.notifications.models import NotificationKind
    from mengkeju.notifications.services import notify

    kinds = {"approve": NotificationKind.POSTING_APPROVED, "reject": NotificationKind.POSTING_REJECTED}
    if name not in kinds:
        return
    owners = User.objects.filter(
        organization_id=posting.organization_id, groups__name=posting.manager_role, is_active=True
    ).distinct()
    notify(
        recipients=[*owners, posting.created_by] if posting.created_by_id else owners,
        kind=kinds[name],
        data={"posting_kind": posting.kind, "title": posting.title, "reason": note.strip()},
        url=posting.get_absolute_url(),
    )


def _after_status_change(*, posting: Posting, previous: tuple[str, ...], name: str) -> None:
    """Keep the matcher in step: a published posting is matched, one leaving 'published' withdrawn."""
    from matching import services as matching_services

    if posting.status == S.PUBLISHED:
        matching_services.posting_published(posting=posting)
    elif S.PUBLISHED in previous:
        matching_services.posting_withdrawn(posting=posting)


def contact_defaults(*, user: User) -> dict:
    """Initial contact fields of a new posting, from the poster's account: ``{"contact_name",
    "contact_phone", "contact_email"}`` (the organization and its address come from the organization)."""
    return {
        "contact_name": user.display_name or user.get_full_name() or "",
        "contact_phone": user.phone,
        "contact_email": user.email,
    }


CONTACT_FIELDS = {
    "contact_name": gettext_lazy("Give a contact person: the other side needs a name after the introduction."),
    "contact_phone": gettext_lazy("Give a contact phone: the other side needs it after the introduction."),
    "contact_email": gettext_lazy("Give a contact e-mail: the other side needs it after the introduction."),
}


def posting_count_view(*, posting: Posting) -> None:
    """One more view of a published posting's page (a single UPDATE; ``updated_at`` is left alone)."""
    type(posting).objects.filter(pk=posting.pk).update(view_count=F("view_count") + 1)


def contact_missing(posting: Posting) -> list[str]:
    """The names of the posting's empty contact fields (``CONTACT_FIELDS`` order): optional while drafting,
    needed to submit."""
    return [name for name in CONTACT_FIELDS if not (getattr(posting, name, "") or "").strip()]


def posting_submit(*, posting: Posting, user: User) -> Posting:
    """draft → pending. Raises ``ValidationError`` naming each empty contact field (edit the posting first),
    ``TransitionError`` / ``PermissionDenied`` as every transition."""
    _check_actor(transition=TRANSITIONS["submit"], posting=posting, user=user)
    missing = [str(CONTACT_FIELDS[name]) for name in contact_missing(posting)]
    if missing and posting.status in TRANSITIONS["submit"].sources:
        raise TransitionError(missing, code="contact_missing")
    return _transition(posting=posting, name="submit", user=user, submitted_at=timezone.now())


def posting_approve(*, posting: Posting, user: User) -> Posting:
    if posting.deadline and posting.deadline < timezone.localdate():
        raise TransitionError(
            _("The deadline of this posting has passed; the owner must extend it first."), code="deadline_passed"
        )
    return _transition(posting=posting, name="approve", user=user, published_at=timezone.now(), rejection_reason="")


def posting_reject(*, posting: Posting, user: User, reason: str) -> Posting:
    if not reason.strip():
        raise ValidationError({"reason": _("Give the owner a reason for the rejection.")})
    return _transition(posting=posting, name="reject", user=user, note=reason, rejection_reason=reason.strip())


def posting_close(*, posting: Posting, user: User) -> Posting:
    return _transition(posting=posting, name="close", user=user, closed_at=timezone.now())


def posting_reopen(*, posting: Posting, user: User) -> Posting:
    if posting.deadline and posting.deadline < timezone.localdate():
        raise TransitionError(
            _("The deadline has passed; edit the posting to extend it, then submit it again."), code="deadline_passed"
        )
    return _transition(posting=posting, name="reopen", user=user, closed_at=None)


def posting_expire(*, posting: Posting) -> Posting:
    return _transition(posting=posting, name="expire", user=None, closed_at=timezone.now())


def postings_expire_due(*, model: type[Posting], today: datetime.date | None = None) -> int:
    """Expire every published posting of ``model`` whose deadline has passed; returns how many."""
    today = today or timezone.localdate()
    expired = 0
    for posting in model.objects.filter(status=S.PUBLISHED, deadline__lt=today).only("pk", "status", "title"):
        try:
            posting_expire(posting=posting)
        except TransitionError:  # changed by someone meanwhile; nothing to do
            continue
        expired += 1
    return expired


def _fill_derived(posting: Posting) -> None:
    """The stored values computed from others: title sort key, and the division a free-text region names
    when none was picked."""
    from mengkeju.regions.tree import region_resolve

    posting.title_sort = title_sort_key(posting.title)
    if posting.division_id is None and posting.region:
        posting.division_id = region_resolve(posting.region)


def posting_save(*, posting: Posting, cooperation_modes: list[CooperationMode] | None = None) -> Posting:
    """Index the public text for search, fill the sort key and division, validate and save (status is the
    caller's business)."""
    posting.search_tokens = search_tokens_of(posting)
    _fill_derived(posting)
    posting.full_clean(exclude=["search_tokens"])
    posting.save()
    if cooperation_modes is not None:
        posting.cooperation_modes.set(cooperation_modes)
    return posting


@transaction.atomic
def posting_create(
    *, model: type[Posting], user: User, data: dict, cooperation_modes: list[CooperationMode] | None = None
) -> Posting:
    if not permissions.can_create(user, model):
        raise PermissionDenied(_("Your role cannot create this kind of posting."))
    """A draft of the user's organization; contact fields left empty default from the user's account."""
    data = {**data}
    for field, value in contact_defaults(user=user).items():
        if not (data.get(field) or "").strip():
            data[field] = value
    posting = model(**data, organization=user.organization, created_by=user, status=S.DRAFT)
    return posting_save(posting=posting, cooperation_modes=cooperation_modes)


@transaction.atomic
def posting_update(
    *, posting: Posting, user: User, data: dict, cooperation_modes: list[CooperationMode] | None = None
) -> Posting:
    """Save changes. A rejected posting returns to draft; a published one goes back to review."""
    if not permissions.can_manage(user, posting):
        raise PermissionDenied(_("Only members of the owning organization can edit this posting."))
    fresh = type(posting).objects.select_for_update().get(pk=posting.pk)
    if not fresh.is_editable:
        raise TransitionError(
            _("A posting that is %(status)s cannot be edited.") % {"status": fresh.get_status_display()},
            code="not_editable",
        )
    was_published = fresh.status == S.PUBLISHED
    for field, value in data.items():
        setattr(posting, field, value)
    posting.status = fresh.status
    if fresh.status == S.REJECTED:
        posting.status = S.DRAFT
    elif was_published:
        posting.status = S.PENDING
        posting.submitted_at = timezone.now()
    posting_save(posting=posting, cooperation_modes=cooperation_modes)
    if was_published:
        audit_log_record(
            actor=user,
            action=f"{posting.kind}.resubmit",
            target=posting,
            summary=f"edited while published, back to review: {posting.title}",
        )
        _after_status_change(posting=posting, previous=(S.PUBLISHED,), name="edit")
    return posting


def posting_reindex(*, posting: Posting) -> None:
    """Recompute the search words (after a change of dictionary or synonyms), the title sort key and a
    missing division."""
    _fill_derived(posting)
    type(posting).objects.filter(pk=posting.pk).update(
        search_tokens=search_tokens_of(posting), title_sort=posting.title_sort, division_id=posting.division_id
    )
