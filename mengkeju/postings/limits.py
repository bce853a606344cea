"""What a posting (technical need or achievement) may hold — the one set of rules, whatever its source.

The posting forms (``mengkeju.postings.forms``), model validation (``Posting.clean``: services, the admin)
and ``import_postings`` (``matching.importing``) all ask the functions below, so the same value gets the
same verdict through the site and through an import.  Each ``*_problem`` function returns ``None`` when
the value is acceptable, otherwise a ``ValidationError`` with a code and a translated message: forms raise
it on the field, the model collects it under the field name, the import prints it in English after
"line N, field F:".

The rules:

* text: no control characters (NUL, C0 other than tab/line breaks, DEL, C1 — ``mengkeju.lib.hidden``;
  NUL breaks PostgreSQL's jsonb and text), at most ``TEXT_LIMITS`` characters for text without a column
  limit (a 2 MB description overflows PostgreSQL's tsvector) or the model field's ``max_length``;
* keywords: at most ``MAX_KEYWORDS`` words of at most ``MAX_KEYWORD_LENGTH`` characters each (imported
  catalogues such as CSL carry up to 20 keywords of up to ~40 characters);
* deadline given with new input (form, import): today or later and at most ``DEADLINE_MAX_YEARS`` years
  ahead; a stored deadline (which passes with time) only within ``STORED_DEADLINE_RANGE``;
* amounts in 万元 (10,000 CNY): finite, not negative, at most two decimals, at most ``MAX_AMOUNT_WAN``
  (10 亿元: an amount in yuan typed into a 万元 field lands above it).  The columns hold 12 digits with
  2 decimals; SQLite does not enforce that, so the bound is checked here and is the same on both backends.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mengkeju.lib.hidden import has_control_characters

# --- amounts in 万元 ----------------------------------------------------------------------------------
# The largest technology-transfer contracts reported in China are a few 亿元; 10 亿元 leaves room above.
MAX_AMOUNT_WAN = Decimal("100000")
AMOUNT_WAN_DECIMAL_PLACES = 2

# --- text ----------------------------------------------------------------------------------------------
# characters, for text fields without a column limit; CharFields are limited by their max_length
TEXT_LIMITS = {"description": 20_000, "public_summary": 2_000, "team": 2_000, "rejection_reason": 2_000}
MAX_KEYWORDS = 30
MAX_KEYWORD_LENGTH = 50

# --- dates ---------------------------------------------------------------------------------------------
# a deadline typed or imported: today or later, at most this many years ahead (20360-01-01 is a typo)
DEADLINE_MAX_YEARS = 10
# a stored deadline outside these years is a typing error that got past an older rule (0001-01-01)
STORED_DEADLINE_RANGE = (datetime.date(2000, 1, 1), datetime.date(2099, 12, 31))


def wan(amount: Decimal) -> str:
    """An amount in 万元 without trailing zeros: 100.00 → "100", 12.50 → "12.5"."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _amount_text(value: Decimal, *, grouped: bool = False) -> str:
    """An amount for a message: in full up to 20 digits, in scientific notation beyond (1e999999999 written
    in full would be a billion characters)."""
    if value.adjusted() >= 20:
        return f"{value:.3E}"
    return f"{value:,f}" if grouped else wan(value)


def amount_wan_problem(value: Decimal) -> str | None:
    """Why ``value`` (万元) is not a plausible amount, in English, or None when it is.

    The one rule of both ``validate_amount_wan`` (forms, models) and ``import_postings``: finite, not
    negative, at most two decimal places, at most ``MAX_AMOUNT_WAN`` (10 亿元).
    """
    if not value.is_finite():
        return "must be a number"
    if value < 0:
        return "must not be negative"
    if value > MAX_AMOUNT_WAN:
        return (
            f"{_amount_text(value, grouped=True)} 万元 is more than {MAX_AMOUNT_WAN:,f} 万元 (10 亿元): "
            "this looks like yuan; "
            "the field is in 万元 (10,000 CNY)"
        )
    if value.as_tuple().exponent < -AMOUNT_WAN_DECIMAL_PLACES:
        return f"at most {AMOUNT_WAN_DECIMAL_PLACES} decimal places"
    return None


def validate_amount_wan(value) -> None:
    """Model and form validator of an amount in 万元: raises ``ValidationError`` (code ``negative`` or
    ``looks_like_yuan``) when ``value`` is below 0 or above ``MAX_AMOUNT_WAN`` (10 亿元)."""
    if value is None:
        return
    value = Decimal(value)
    if value.is_finite() and value < 0:
        raise ValidationError(_("An amount cannot be negative."), code="negative")
    if value.is_finite() and value > MAX_AMOUNT_WAN:
        raise ValidationError(
            _(
                "%(value)s is more than %(limit)s 万元 (1 billion CNY): this looks like yuan; "
                "the field is in 万元 (10,000 CNY)."
            ),
            code="looks_like_yuan",
            params={"value": _amount_text(value), "limit": wan(MAX_AMOUNT_WAN)},
        )


def text_limit(model, name: str) -> int | None:
    """The most characters field ``name`` of ``model`` (a posting model) may hold: its ``max_length``,
    else ``TEXT_LIMITS[name]``; None for a name without a limit."""
    try:
        length = model._meta.get_field(name).max_length
    except Exception:  # not a model field
        length = None
    return length or TEXT_LIMITS.get(name)


def control_problem(value: str) -> ValidationError | None:
    """A ``ValidationError`` (code ``control_character``) when ``value`` holds NUL or another control
    character (tab, line feed and carriage return are text), else None."""
    if has_control_characters(value):
        return ValidationError(
            _("Remove the control character (such as NUL) from this text."), code="control_character"
        )
    return None


def length_problem(value: str, limit: int | None) -> ValidationError | None:
    """A ``ValidationError`` (code ``max_length``) when ``value`` is longer than ``limit`` characters."""
    if limit and len(value) > limit:
        return ValidationError(
            _("At most %(limit)d characters, you gave %(count)d."),
            code="max_length",
            params={"limit": limit, "count": len(value)},
        )
    return None


def text_problem(value: str, limit: int | None) -> ValidationError | None:
    """The first of ``control_problem`` and ``length_problem`` that applies, or None."""
    return control_problem(value) or length_problem(value, limit)


def keywords_problem(words) -> ValidationError | None:
    """Why ``words`` (the keywords of one posting, a list of non-empty strings) may not be stored, or None:
    not a list of words (code ``invalid``), more than ``MAX_KEYWORDS`` (``too_many``), a word longer than
    ``MAX_KEYWORD_LENGTH`` characters (``too_long``) or holding a control character
    (``control_character``)."""
    if not isinstance(words, list | tuple) or not all(isinstance(w, str) and w.strip() for w in words):
        return ValidationError(_("Keywords must be a list of words."), code="invalid")
    if len(words) > MAX_KEYWORDS:
        return ValidationError(
            _("At most %(max)d keywords, you gave %(count)d."),
            code="too_many",
            params={"max": MAX_KEYWORDS, "count": len(words)},
        )
    too_long = [w for w in words if len(w) > MAX_KEYWORD_LENGTH]
    if too_long:
        return ValidationError(
            _("Keyword too long (at most %(max)d characters): %(word)s"),
            code="too_long",
            params={"max": MAX_KEYWORD_LENGTH, "word": too_long[0][:MAX_KEYWORD_LENGTH] + "…"},
        )
    for word in words:
        problem = control_problem(word)
        if problem:
            return problem
    return None


def deadline_problem(deadline: datetime.date, today: datetime.date) -> ValidationError | None:
    """Why ``deadline``, given with new input on ``today`` (form, import), is refused, or None: before
    today (code ``past``: a posting with a past deadline can never be approved) or more than
    ``DEADLINE_MAX_YEARS`` ahead (``too_far``)."""
    if deadline < today:
        return ValidationError(_("The deadline cannot be in the past."), code="past")
    try:
        furthest = today.replace(year=today.year + DEADLINE_MAX_YEARS)
    except ValueError:  # 29 February
        furthest = today.replace(year=today.year + DEADLINE_MAX_YEARS, day=28)
    if deadline > furthest:
        return ValidationError(
            _("The deadline is more than %(years)d years ahead; check the year."),
            code="too_far",
            params={"years": DEADLINE_MAX_YEARS},
        )
    return None


def stored_deadline_problem(deadline) -> ValidationError | None:
    """Why a stored ``deadline`` is absurd (outside ``STORED_DEADLINE_RANGE``: code ``out_of_range``), or
    None.  A deadline that has passed since it was set is no error here: postings expire."""
    first, last = STORED_DEADLINE_RANGE
    if isinstance(deadline, datetime.date) and not first <= deadline <= last:
        return ValidationError(
            _("Give a date between %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": first.isoformat(), "last": last.isoformat()},
        )
    return None


def message_of(error: ValidationError) -> str:
    """The message of a one-message ``ValidationError``, its parameters filled in (in the active
    language)."""
    return next(iter(error))
