from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from mengkeju.lib.textanalysis.normalize import normalize_name

from .models import AuditLog, Organization, Role, User


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
    organization = Organization(
        kind=kind,
        name=normalize_name(name),
        region=normalize_name(region),
        credit_code=credit_code,
        address=address,
        website=website,
        verified=verified,
    )
    organization.full_clean()
    organization.save()
    return organization


def organization_verify(*, organization: Organization, actor: User) -> Organization:
    if organization.is_enterprise and not organization.credit_code:
        raise ValidationError(
            {"credit_code": _("Add the enterprise's unified social credit code before verifying it.")}
        )
    Organization.objects.filter(pk=organization.pk).update(verified=True)
    organization.verified = True
    audit_log_record(
        actor=actor, action="organization.verify", target=organization, summary=f"verified {organization.name}"
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
) -> User:
    """Create a user who registers a new (unverified) organization, or asks to join an existing one.

    Joining is a request: the user has no organization, and so cannot act for it, until a platform
    admin approves (``membership_approve``)."""
    if role not in (Role.ENTERPRISE, Role.RESEARCHER):
        raise ValueError(f"self sign-up is for enterprise members and researchers, not {role!r}")
    if (organization is None) == (new_organization is None):
        raise ValueError("give exactly one of organization and new_organization")
    if organization is None:
        member_of = organization_create(**new_organization, verified=False)
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
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


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
    return user


@transaction.atomic
def membership_reject(*, user: User, actor: User, note: str = "") -> User:
    organization = user.requested_organization
    if organization is None:
        raise ValidationError(_("%(user)s has no pending request to join an organization.") % {"user": user})
    User.objects.filter(pk=user.pk).update(requested_organization=None)
    user.requested_organization = None
    audit_log_record(
        actor=actor,
        action="membership.reject",
        target=user,
        summary=f"{user} not admitted to {organization}",
        note=note,
    )
    return user
