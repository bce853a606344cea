from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

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
        name=name.strip(),
        region=region,
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
    """Create a user in an existing organization, or register a new (unverified) one."""
    if role not in (Role.ENTERPRISE, Role.RESEARCHER):
        raise ValueError(f"self sign-up is for enterprise members and researchers, not {role!r}")
    if (organization is None) == (new_organization is None):
        raise ValueError("give exactly one of organization and new_organization")
    if organization is None:
        organization = organization_create(**new_organization, verified=False)
    user = User(username=username, email=email, display_name=display_name, phone=phone, organization=organization)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user
