"""Messages (在线洽谈): one thread per approved pair, between the two sides and the responsible broker.

Attachments are stored through Django's storage API under ``MEDIA_ROOT/messages/<match id>/`` with a
random name and served only by ``messaging:attachment``, which checks that the reader is a member of the
thread; ``ThreadRead`` remembers up to when each member has read, for the unread counts.
"""

import pathlib
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from mengkeju.core.models import TimeStampedModel


class Thread(TimeStampedModel):
    match = models.OneToOneField(
        Match, verbose_name=_("match"), on_delete=models.CASCADE, primary_key=True, related_name="thread"
    )
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)

    class Meta:
        verbose_name = _("message thread")
        verbose_name_plural = _("message threads")
        ordering = ["-last_message_at", "match_id"]

    def __str__(self) -> str:
        return str(self.match)


class Message(TimeStampedModel):
    thread = models.ForeignKey(Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"), max_length=5000, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [
            # a thread's messages in order, and the unread counts (messages after a member's last read)
            models.Index(fields=["thread", "created_at"], name="messaging_msg_thread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """``messages/<match id>/<random>.<ext>``: the stored name reveals nothing and cannot be guessed."""
    suffix = pathlib.Path(filename).suffix.lower()[:10]
    return f"messages/{instance.message.thread_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(TimeStampedModel):
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=120)
    size = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ThreadRead(models.Model):
    """Up to when a member has read a thread (one row per member who opened it)."""

    thread = models.ForeignKey(Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    last_read_at = models.DateTimeField(_("read up to"))

    class Meta:
        verbose_name = _("thread read mark")
        verbose_name_plural = _("thread read marks")
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="messaging_read_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.thread_id}: {self.last_read_at:%Y-%m-%d %H:%M}"
