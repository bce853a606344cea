"""The rules of ``mengkeju.postings.limits`` at their edges, without a database: what a user typing into a
posting form or an office importing a catalogue is told (``test_one_rule`` checks that the form and the
import give these same verdicts; this file is also what ``make mutation`` runs against the module)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from achievements.models import Achievement
from mengkeju.postings import limits
from mengkeju.postings.limits import (
    MAX_AMOUNT_WAN,
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    STORED_DEADLINE_RANGE,
    TEXT_LIMITS,
    amount_wan_problem,
    control_problem,
    deadline_problem,
    keywords_problem,
    length_problem,
    message_of,
    stored_deadline_problem,
    text_limit,
    text_problem,
    validate_amount_wan,
    wan,
)
from needs.models import TechnicalNeed

TODAY = datetime.date(2026, 11, 30)


def _en(problem) -> str:
    with translation.override("en"):
        return message_of(problem)


def test_the_limits_a_user_is_told():
    assert (MAX_KEYWORDS, MAX_KEYWORD_LENGTH) == (30, 50)
    assert TEXT_LIMITS == {"description": 20_000, "public_summary": 2_000, "team": 2_000, "rejection_reason": 2_000}
    assert limits.DEADLINE_MAX_YEARS == 10
    assert (datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)) == STORED_DEADLINE_RANGE
    assert Decimal("100000") == MAX_AMOUNT_WAN and limits.AMOUNT_WAN_DECIMAL_PLACES == 2


@pytest.mark.parametrize(
    ("words", "code", "message"),
    [
        (["光伏"] * 0, None, None),
        ([f"词{i}" for i in range(MAX_KEYWORDS)], None, None),
        ([f"词{i}" for i in range(MAX_KEYWORDS + 1)], "too_many", "At most 30 keywords, you gave 31."),
        (["光" * MAX_KEYWORD_LENGTH], None, None),
        (["光伏", "光" * (MAX_KEYWORD_LENGTH + 1)], "too_long", "Keyword too long (at most 50 characters): "),
        (["abc\x00def"], "control_character", "Remove the control character (such as NUL) from this text."),
        (["ok", "光伏\x85回收"], "control_character", "Remove the control character"),
        (["光伏", "\t回收"], None, None),  # a tab is white space, not a control character
        (["光伏", " "], "invalid", "Keywords must be a list of words."),
        (["光伏", ""], "invalid", "Keywords must be a list of words."),
        (["光伏", 3], "invalid", "Keywords must be a list of words."),
        ("光伏、回收", "invalid", "Keywords must be a list of words."),
        (None, "invalid", "Keywords must be a list of words."),
        (("光伏", "回收"), None, None),
    ],
)
def test_keywords(words, code, message):
    problem = keywords_problem(words)
    if code is None:
        assert problem is None
    else:
        assert problem.code == code
        assert _en(problem).startswith(message)


def test_a_too_long_keyword_is_shown_cut_at_the_limit():
    word = "光" * 40 + "伏" * 20
    text = _en(keywords_problem([word]))
    assert text == f"Keyword too long (at most 50 characters): {'光' * 40}{'伏' * 10}…"


def test_the_count_is_checked_before_the_length_and_the_characters():
    assert keywords_problem(["光" * 60] * (MAX_KEYWORDS + 1)).code == "too_many"
    assert keywords_problem(["光" * 60, "a\x00"]).code == "too_long"


@pytest.mark.parametrize(
    ("deadline", "code"),
    [
        (datetime.date(1, 1, 1), "past"),
        (datetime.date(2026, 11, 29), "past"),
        (datetime.date(2026, 11, 30), None),
        (datetime.date(2036, 11, 30), None),
        (datetime.date(2036, 12, 1), "too_far"),
        (datetime.date(9999, 12, 31), "too_far"),
    ],
)
def test_deadline_given_today(deadline, code):
    problem = deadline_problem(deadline, TODAY)
    assert (problem.code if problem else None) == code


def test_deadline_messages():
    assert _en(deadline_problem(datetime.date(2026, 1, 1), TODAY)) == "The deadline cannot be in the past."
    assert (
        _en(deadline_problem(datetime.date(2040, 1, 1), TODAY))
        == "The deadline is more than 10 years ahead; check the year."
    )


def test_ten_years_from_29_february_ends_on_28_february():
    leap = datetime.date(2028, 2, 29)
    assert deadline_problem(datetime.date(2038, 2, 28), leap) is None
    assert deadline_problem(datetime.date(2038, 3, 1), leap).code == "too_far"


@pytest.mark.parametrize(
    ("deadline", "ok"),
    [
        (datetime.date(1999, 12, 31), False),
        (datetime.date(2000, 1, 1), True),
        (datetime.date(2020, 6, 1), True),  # passed since: postings expire, no error
        (datetime.date(2099, 12, 31), True),
        (datetime.date(2100, 1, 1), False),
        (None, True),
    ],
)
def test_stored_deadline(deadline, ok):
    problem = stored_deadline_problem(deadline)
    assert (problem is None) is ok
    if not ok:
        assert problem.code == "out_of_range"
        assert _en(problem) == "Give a date between 2000-01-01 and 2099-12-31."


@pytest.mark.parametrize(
    ("value", "limit", "code"),
    [
        ("字" * 200, 200, None),
        ("字" * 201, 200, "max_length"),
        ("字" * 201, None, None),
        ("第一段\r\n\t第二段", 100, None),
        ("光伏\x00回收", 100, "control_character"),
        ("光伏\x1b[31m", 100, "control_character"),
        ("光伏\x7f", 100, "control_character"),
        ("光伏\x9f", 100, "control_character"),
        ("光伏\xa0回收", 100, None),  # no-break space is text
        ("\x00" * 300, 200, "control_character"),  # the character is named before the length
    ],
)
def test_text(value, limit, code):
    problem = text_problem(value, limit)
    assert (problem.code if problem else None) == code


def test_length_message_counts_characters():
    assert _en(length_problem("字" * 201, 200)) == "At most 200 characters, you gave 201."
    assert length_problem("字" * 200, 200) is None
    assert control_problem("光伏") is None


def test_text_limits_of_the_models():
    assert text_limit(TechnicalNeed, "title") == 200
    assert text_limit(TechnicalNeed, "region") == 100
    assert text_limit(TechnicalNeed, "description") == 20_000
    assert text_limit(TechnicalNeed, "public_summary") == 2_000
    assert text_limit(Achievement, "team") == 2_000
    assert text_limit(Achievement, "ip") is None  # not a field: the import's own choice check applies


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0", None),
        ("100000", None),
        ("99999.99", None),
        ("100000.01", "100,000.01 万元 is more than 100,000 万元 (10 亿元): this looks like yuan"),
        ("-0.01", "must not be negative"),
        ("1.005", "at most 2 decimal places"),
        ("1.00", None),
        ("NaN", "must be a number"),
        ("Infinity", "must be a number"),
        ("1e25", "1.000E+25 万元 is more than"),
    ],
)
def test_amount_problems(value, problem):
    found = amount_wan_problem(Decimal(value))
    if problem is None:
        assert found is None
    else:
        assert found.startswith(problem)


def test_amount_validator_codes_and_message():
    for value in (None, 0, Decimal("100000"), Decimal("NaN")):
        validate_amount_wan(value)
    with pytest.raises(Exception) as caught:
        validate_amount_wan(Decimal("-1"))
    assert caught.value.code == "negative"
    with pytest.raises(Exception) as caught:
        validate_amount_wan(3_000_000)
    assert caught.value.code == "looks_like_yuan"
    assert _en(caught.value) == (
        "3000000 is more than 100000 万元 (1 billion CNY): this looks like yuan; the field is in 万元 (10,000 CNY)."
    )


@pytest.mark.parametrize(
    ("amount", "text"), [("100.00", "100"), ("12.50", "12.5"), ("0.05", "0.05"), ("300", "300"), ("0", "0")]
)
def test_amounts_are_written_without_trailing_zeros(amount, text):
    assert wan(Decimal(amount)) == text


def test_the_yuan_message_says_what_to_type_instead():
    """What an office that typed 3,000,000 (yuan) into a 万元 field reads, in full."""
    assert amount_wan_problem(Decimal("3000000")) == (
        "3,000,000 万元 is more than 100,000 万元 (10 亿元): this looks like yuan; the field is in 万元 (10,000 CNY)"
    )


def test_amounts_of_twenty_digits_or_more_are_shown_short():
    assert amount_wan_problem(Decimal("99999999999999999999")).startswith("99,999,999,999,999,999,999 万元")
    assert amount_wan_problem(Decimal("1e20")).startswith("1.000E+20 万元")


def test_a_negative_amount_is_refused_with_a_sentence():
    with pytest.raises(Exception) as caught:
        validate_amount_wan(Decimal("-0.01"))
    assert _en(caught.value) == "An amount cannot be negative."
    with translation.override("zh-hans"):
        assert message_of(caught.value) != "An amount cannot be negative."  # translated for Chinese readers
