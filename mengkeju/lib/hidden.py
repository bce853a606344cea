"""Hidden characters in what people type: zero-width and bidi controls are removed, other control
characters are refused.

Zero-width characters (U+200B…U+200D, U+2060, U+FEFF) and bidirectional controls (U+200E/F, U+061C,
U+202A…U+202E, U+2066…U+2069) are invisible on a page, so ``内蒙古工业大学`` followed by U+200B looks
like the verified university while being a different string.  They are stripped from names, titles,
keywords and queries (``strip_hidden``).  Other control characters (NUL, U+0001…U+001F except tab and
line breaks, U+007F…U+009F) have no business in a form and break PostgreSQL (NUL in jsonb/text): forms
refuse them with a clear error (``validate_no_control_characters``).

The list of invisible characters is the text normalisation's (``textanalysis.normalize.INVISIBLE``,
which also removes the soft hyphen and U+180E); Mongolian free variation selectors (U+180B…U+180D)
are kept: they are meaningful in traditional Mongolian script.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mengkeju.lib.textanalysis.normalize import INVISIBLE, normalize

# the invisible characters are those of the one normalisation (mengkeju.lib.textanalysis.normalize)
HIDDEN_CHARACTERS = INVISIBLE
_HIDDEN = {ord(c): None for c in HIDDEN_CHARACTERS}
# C0 controls except tab, line feed and carriage return; DEL and the C1 controls
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE_RE = re.compile(r"\s+")


def strip_hidden(text: str) -> str:
    """``text`` without zero-width and bidi-control characters (see the module docstring); nothing else
    changes (no NFKC, no case), so it suits text that is stored and shown."""
    return (text or "").translate(_HIDDEN)


def clean_line(text: str) -> str:
    """A one-line value as stored: hidden characters removed, runs of white space made one space, trimmed."""
    return _SPACE_RE.sub(" ", strip_hidden(text)).strip()


def name_key(name: str) -> str:
    """The form in which two organisation names are compared: the one normalisation
    (``textanalysis.normalize``: hidden characters removed, NFKC so full-width ``（`` and ``(`` are the
    same, traditional script made simplified, lower case) with all white space removed.
    ``内蒙古工业大学\u200b``, ``内蒙古 工业大学``, ``內蒙古工業大學`` and ``内蒙古工业大学`` have one key."""
    return _SPACE_RE.sub("", normalize(name))


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL_RE.search(text or ""))


def first_control_character(text: str) -> str | None:
    """The first control character of ``text`` (as ``has_control_characters`` defines them), or None."""
    found = _CONTROL_RE.search(text or "")
    return found.group() if found else None


def validate_no_control_characters(value) -> None:
    """Raise ``ValidationError`` (code ``control_character``) when a string, or any string in a list,
    holds NUL or another control character (tab and line breaks are allowed)."""
    values = value if isinstance(value, list | tuple) else [value]
    for item in values:
        if isinstance(item, str) and has_control_characters(item):
            raise ValidationError(
                _("Remove the control character (such as NUL) from this text."), code="control_character"
            )
