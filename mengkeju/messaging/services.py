"""Writes of messages: post (with attachments checked by content), mark read.

Attachments: the type is decided by the file's content with the ``filetype`` package (magic numbers; the
name and the browser's claimed type are ignored), only PDF, images (JPEG, PNG, GIF, WebP) and office files
(Word, Excel, PowerPoint, OpenDocument) are accepted, each at most ``MESSAGE_ATTACHMENT_MAX_MB`` megabytes,
at most ``MAX_ATTACHMENTS`` per message.
"""

from __future__ import annotations

import pathlib

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from matching.models import Match
from mengkeju.core.models import User
from mengkeju.deals import services as deal_services
from mengkeju.notifications.models import NotificationKind
from mengkeju.notifications.services import notify

from . import permissions
from .models import Attachment, Message, Thread, ThreadRead

MAX_BODY = 5000
MAX_ATTACHMENTS = 5
# content types found by filetype → what the user is told is accepted
ALLOWED_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}


def thread_members(*, match: Match) -> list[User]:
    """Active members of both sides' organizations and the responsible broker."""
    people = User.objects.filter(
        is_active=True, organization_id__in=[match.need.organization_id, match.achievement.organization_id]
    )
    members = {u.pk: u for u in people}
    deal = getattr(match, "deal", None)
    if deal is not None and deal.broker_id and deal.broker.is_active:
        members.setdefault(deal.broker_id, deal.broker)
    return list(members.values())


def attachment_check(upload: UploadedFile) -> str:
    """The content type of an upload, found from its bytes; raises ``ValidationError`` (naming the file)
    when it is too large, empty, or not a PDF, image or office file."""
    name = upload.name or "?"
    limit = settings.MESSAGE_ATTACHMENT_MAX_MB
    if upload.size > limit * 1024 * 1024:
        raise ValidationError(
            _("%(name)s is %(size).1f MB; attachments may be at most %(limit)d MB.")
            % {"name": name, "size": upload.size / 1024 / 1024, "limit": limit},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(
            _("%(name)s is not a PDF, an image (JPEG, PNG, GIF, WebP) or an office document; it was not sent.")
            % {"name": name},
            code="type",
        )
    return kind.mime


def _display_name(upload: UploadedFile, mime: str) -> str:
    name = pathlib.Path(upload.name or "file").name
    name = get_valid_filename(name) if not any("\u4e00" <= ch <= "\u9fff" for ch in name) else name
    guessed = filetype.get_type(mime=mime)
    if guessed and not name.lower().endswith("." + guessed.extension):
        name = f"{name}.{guessed.extension}"
    return name[:200]


def message_post(*, match: Match, user: User, body: str, files: list[UploadedFile] = ()) -> Message:
    """A message from a member of the pair's thread, with optional attachments; the other members are
    notified in the app and by e-mail (through the notifications outbox).

    Raises ``PermissionDenied`` for anyone but the thread's members, ``ValidationError`` with ``body`` or
    ``files`` errors (empty message, too long, too many files, a file too large or of a refused type)."""
    if not permissions.is_member(user, match):
        raise PermissionDenied(_("Only the two sides and their broker write in this thread."))
    body = (body or "").strip()
    files = [f for f in files if f]
    errors: dict[str, list[str]] = {}
    if not body and not files:
        errors["body"] = [_("Write a message or attach a file.")]
    if len(body) > MAX_BODY:
        errors["body"] = [_("Keep a message under %(max)d characters.") % {"max": MAX_BODY}]
    if len(files) > MAX_ATTACHMENTS:
        errors["files"] = [_("At most %(max)d files per message.") % {"max": MAX_ATTACHMENTS}]
    checked = []
    for upload in files[:MAX_ATTACHMENTS]:
        try:
            checked.append((upload, attachment_check(upload)))
        except ValidationError as exc:
            errors.setdefault("files", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        thread, _created = Thread.objects.get_or_create(match=match)
        message = Message.objects.create(thread=thread, author=user, body=body)
        for upload, mime in checked:
            attachment = Attachment(
                message=message, name=_display_name(upload, mime), content_type=mime, size=upload.size
            )
            attachment.file.save(upload.name or "file", upload, save=False)
            attachment.save()
        Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at, updated_at=now)
        ThreadRead.objects.update_or_create(thread=thread, user=user, defaults={"last_read_at": message.created_at})
        deal_services.deal_touch(match=match, when=now)
        excerpt = (
            body[:80] + ("…" if len(body) > 80 else "")
            if body
            else ", ".join(a.name for a in message.attachments.all())
        )
        notify(
            recipients=[m for m in thread_members(match=match) if m.pk != user.pk],
            kind=NotificationKind.NEW_MESSAGE,
            data={
                "need": match.need.title,
                "achievement": match.achievement.title,
                "author": str(user),
                "excerpt": excerpt,
            },
            url=reverse("messaging:thread", args=[match.pk]),
        )
    return message


def thread_mark_read(*, match: Match, user: User) -> None:
    """The member has seen the thread up to now (no row is written for a thread without messages)."""
    thread = Thread.objects.filter(match=match).first()
    if thread is None or not permissions.is_member(user, match):
        return
    ThreadRead.objects.update_or_create(thread=thread, user=user, defaults={"last_read_at": timezone.now()})
