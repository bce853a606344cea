"""Who may do what with a posting: one table for needs and achievements alike."""

from mengkeju.core.models import User

from .models import Posting, PostingStatus


def can_manage(user: User, posting: Posting) -> bool:
    """Members of the owning organization with the kind's role manage its postings."""
    return (
        user.is_authenticated
        and user.organization_id is not None
        and user.organization_id == posting.organization_id
        and user.has_role(posting.manager_role)
    )


def can_create(user: User, model: type[Posting]) -> bool:
    return user.is_authenticated and user.organization_id is not None and user.has_role(model.manager_role)


def can_moderate(user: User) -> bool:
    return user.is_authenticated and user.is_platform_admin


def can_view(user: User, posting: Posting) -> bool:
    return posting.status == PostingStatus.PUBLISHED or can_manage(user, posting) or can_moderate(user)


def can_read_full_text(user: User, posting: Posting) -> bool:
    """Confidential needs: full text for the owners, brokers and admins (and matched sides, via matching)."""
    if not getattr(posting, "confidential", False):
        return True
    return can_manage(user, posting) or (user.is_authenticated and user.is_broker)
