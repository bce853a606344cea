"""Amounts in 万元 (10,000 CNY), written one way everywhere.

Chinese: ``80 万元``, ``1,250.5 万元``, a range ``80–200 万元``.  English: ``CNY 800,000``,
``CNY 12.5 million``, a range ``CNY 800,000–2 million``.  Amounts are stored in 万元 (``Decimal``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import get_language


def _english(language: str | None) -> bool:
    return (language or get_language() or "").startswith("en")


def _number_wan(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')).normalize():,f}"


def _number_cny(value: Decimal) -> str:
    yuan = value * 10000
    if yuan >= 1_000_000:
        return f"{(yuan / 1_000_000).quantize(Decimal('0.01')).normalize():,f} million"
    return f"{yuan.quantize(Decimal('1')):,f}"


def _decimal(amount) -> Decimal | None:
    if amount is None or amount == "":
        return None
    try:
        return Decimal(str(amount))
    except InvalidOperation:
        return None


def wan_display(amount, *, language: str | None = None) -> str:
    """One amount given in 万元, in the active (or given) language; ``None``/"" gives "", a non-number
    is returned as it is."""
    value = _decimal(amount)
    if value is None:
        return "" if amount in (None, "") else str(amount)
    if _english(language):
        return f"CNY {_number_cny(value)}"
    return f"{_number_wan(value)} 万元"


def wan_range_display(low, high, *, language: str | None = None) -> str:
    """A range in 万元: both ends (``80–200 万元``), or one (``≥ 80 万元`` / ``≤ 200 万元``); "" if neither."""
    low, high = _decimal(low), _decimal(high)
    if low is None and high is None:
        return ""
    if low is not None and high is not None:
        if _english(language):
            return f"CNY {_number_cny(low)}–{_number_cny(high)}"
        return f"{_number_wan(low)}–{_number_wan(high)} 万元"
    if low is not None:
        return f"≥ {wan_display(low, language=language)}"
    return f"≤ {wan_display(high, language=language)}"
