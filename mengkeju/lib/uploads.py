"""Checks of uploaded files by their content (``filetype`` reads the magic bytes, not the name)."""

from __future__ import annotations

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# what a business licence may be: a scan or a photo, or a PDF
LICENCE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
LICENCE_MAX_BYTES = 5 * 1024 * 1024


def validate_upload(upload, *, allowed: dict[str, str], max_bytes: int) -> str:
    """Return the file's extension (from ``allowed``: MIME type → extension) when its content is one of
    the allowed types and it is at most ``max_bytes`` long; else raise ``ValidationError`` saying which."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; at most %(max)s is accepted.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in allowed:
        raise ValidationError(
            _("This file is not a %(types)s file (its content was checked, not its name).")
            % {"types": " / ".join(ext.upper() for ext in allowed.values())},
            code="file_type",
        )
    return allowed[kind.mime]
