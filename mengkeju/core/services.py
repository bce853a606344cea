import uuid
from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.lib.hidden import clean_line
from mengkeju.lib.textanalysis.normalize import normalize_name
from mengkeju.notifications.models import NotificationKind
from mengkeju.notifications.services import notify

from .models import AuditLog, FormSubmission, Organization, Role, User

T = TypeVar("T")


def audit_log_record(
    *, actor: User | None, action: str, target: models.Model, summary: str, note: str = "", data: dict | None = None
) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if actor and actor.is_authenticated else None,
        action=action,
        target=target,
        summary=summary[:300],
        note=note,
        data=data or {},
    )


def submission_once(*, user: User, token: uuid.UUID | None, create: Callable[[], T]) -> tuple[T | None, bool]:
    """Run ``create()`` once per (user, form token): returns ``(object, True)`` the first time and
    ``(object the first call created, False)`` for a repeated submission of the same form, also when the
    two arrive at the same instant (the unique constraint on the token decides; the second waits for the
    first to commit).  Without a token ``create()`` simply runs.  ``create`` raising rolls the token back,
    so the corrected form can be submitted again."""
    if token is None:
        return create(), True
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = FormSubmission.objects.create(user=user, token=token)
        except IntegrityError:
            earlier = FormSubmission.objects.filter(user=user, token=token).first()
            return (earlier.target if earlier else None), False
        created = create()
        submission.target = created
        submission.save(update_fields=["target_type", "target_id"])
    return created, True


@transaction.atomic
def organization_create(
    *,
    kind: str,
    name: str,
    region: str = "",
    credit_code: str = "",
    address: str = "",
    website: str = "",
    verified: bool = False,
) -> Organization:
    """Register an organization.  Names are compared after ``mengkeju.lib.hidden.name_key`` (hidden
    characters, white space, full-width forms and case do not make a new name).

    Raises ``ValidationError`` keyed by field (``name``, ``credit_code``, ...), also when another request
    registered the same name or credit code a moment ago (the unique constraints decide, not a check)."""
    organization = Organization(
        kind=kind,
        name=normalize_name(name),
        region=normalize_name(region),
        credit_code=credit_code,
        address=clean_line(address),
        website=website,
        verified=verified,
    )
    # the unique constraints are left to the INSERT below: checked here, a registration that commits in
    # between would surface as a form-wide "constraint violated" instead of an error on the field
    organization.full_clean(exclude=["name_key"], validate_constraints=False)
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError:
        if organization.credit_code and Organization.objects.filter(credit_code=organization.credit_code).exists():
            raise ValidationError(
                {"credit_code": _("An organization with this credit code is already registered.")}
            ) from None
        raise ValidationError({"name": _("An organization with this name is already registered.")}) from None
    return organization


@transaction.atomic
def organization_licence_upload(*, organization: Organization, upload, actor: User) -> Organization:
    """Attach (or replace) the business licence of an organization; ``upload`` is already checked."""
    old = organization.business_licence.name if organization.business_licence else ""
    organization.business_licence.save(upload.name, upload, save=False)
    Organization.objects.filter(pk=organization.pk).update(business_licence=organization.business_licence.name)
    audit_log_record(
        actor=actor, action="organization.licence", target=organization, summary=f"licence: {organization.name}"
    )
    if old and old != organization.business_licence.name:
        transaction.on_commit(lambda: organization.business_licence.storage.delete(old))
    return organization


@transaction.atomic
def organization_verify(*, organization: Organization, actor: User) -> Organization:
    """Mark an organization verified; its members are notified."""
    if organization.is_enterprise and not organization.credit_code:
        raise ValidationError(
            {"credit_code": _("Add the enterprise's unified social credit code before verifying it.")}
        )
    updated = Organization.objects.filter(pk=organization.pk, verified=False).update(verified=True)
    if not updated:
        raise ValidationError(_("%(name)s is verified already.") % {"name": organization.name}, code="conflict")
    organization.verified = True
    audit_log_record(
        actor=actor, action="organization.verify", target=organization, summary=f"verified {organization.name}"
    )
    notify(
        recipients=User.objects.filter(organization=organization, is_active=True),
        kind=NotificationKind.ORGANIZATION_VERIFIED,
        data={"organization": organization.name},
        url=reverse("accounts:profile"),
    )
    return organization


@transaction.atomic
def user_signup(
    *,
    username: str,
    email: str,
    password: str,
    role: str,
    display_name: str = "",
    phone: str = "",
    organization: Organization | None = None,
    new_organization: dict | None = None,
    terms_version: str = "",
    business_licence=None,
) -> User:
    """Create a user who registers a new (unverified) organization, or asks to join an existing one.

    Joining is a request: the user has no organization, and so cannot act for it, until a platform
    admin approves (``membership_approve``).  Raises ``ValidationError`` keyed by field (``username``,
    ``organization``, and ``name`` / ``credit_code`` of the new organization), also when a concurrent
    request took the same user name or organization name first.  ``terms_version``: the version of the
    terms and privacy policy the user accepted (recorded with the time).  ``business_licence``: an
    uploaded file, already checked (``lib.uploads``), stored with a new organization."""
    if role not in (Role.ENTERPRISE, Role.RESEARCHER):
        raise ValueError(f"self sign-up is for enterprise members and researchers, not {role!r}")
    if (organization is None) == (new_organization is None):
        raise ValueError("give exactly one of organization and new_organization")
    if organization is None:
        member_of = organization_create(**new_organization, verified=False)
        if business_licence is not None:
            member_of.business_licence.save(business_licence.name, business_licence, save=True)
        requested = None
    else:
        member_of, requested = None, organization
    for org in (member_of, requested):
        if org is not None and not org.accepts_role(role):
            raise ValidationError(
                {
                    "organization": _("A %(role)s cannot belong to a %(kind)s.")
                    % {"role": Role(role).label, "kind": org.get_kind_display()}
                }
            )
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        phone=phone,
        organization=member_of,
        requested_organization=requested,
        terms_version=terms_version,
        terms_accepted_at=timezone.now() if terms_version else None,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same user name taken by a request a moment ago
        raise ValidationError({"username": _("A user with that username already exists.")}) from None
    user.groups.add(Group.objects.get(name=role))
    return user


def _has_url(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


@transaction.atomic
def membership_approve(*, user: User, actor: User) -> User:
    """Let a user who asked to join an organization act for it."""
    organization = user.requested_organization
    if organization is None:
        raise ValidationError(_("%(user)s has no pending request to join an organization.") % {"user": user})
    updated = User.objects.filter(pk=user.pk, requested_organization=organization).update(
        organization=organization, requested_organization=None
    )
    if not updated:
        raise ValidationError(_("Someone else decided this request in the meantime."))
    user.organization, user.requested_organization = organization, None
    audit_log_record(actor=actor, action="membership.approve", target=user, summary=f"{user} joins {organization}")
    notify(
        recipients=[user],
        kind=NotificationKind.MEMBERSHIP_APPROVED,
        data={"organization": organization.name},
        url=reverse("workbench") if _has_url("workbench") else reverse("accounts:profile"),
    )
    return user


@transaction.atomic
def membership_reject(*, user: User, actor: User, note: str = "") -> User:
    """Decline a request to join an organization: a conditional update on the pending request, so an
    approval and a rejection at the same instant leave exactly one decision (the other raises
    ``ValidationError``)."""
    organization = user.requested_organization
    if organization is None:
        raise ValidationError(_("%(user)s has no pending request to join an organization.") % {"user": user})
    updated = User.objects.filter(pk=user.pk, requested_organization=organization).update(requested_organization=None)
    if not updated:
        raise ValidationError(_("Someone else decided this request in the meantime."))
    user.requested_organization = None
    audit_log_record(
        actor=actor,
        action="membership.reject",
        target=user,
        summary=f"{user} not admitted to {organization}",
        note=note,
    )
    notify(
        recipients=[user],
        kind=NotificationKind.MEMBERSHIP_REFUSED,
        data={"organization": organization.name, "reason": note.strip()},
        url=reverse("accounts:profile"),
    )
    return user
