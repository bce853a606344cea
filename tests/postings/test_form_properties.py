"""Properties of the posting forms (need and achievement, create and edit) on arbitrary input: whatever is
posted — any Unicode (control characters, NUL, lone surrogates sent as raw bytes), huge strings, amounts
in 万元 or yuan or not numbers at all, any date — the answer is either a saved posting that reads back
(its page renders, its text obeys ``postings.limits``) or the form again with errors on named fields and
nothing saved or changed.  Never a 500, never a database error.  Unmarked: the SQLite pass runs it and
the PostgreSQL pass runs it again (jsonb keywords, tsvector search words)."""

import datetime
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from achievements.models import Achievement
from mengkeju.core.models import CooperationMode, IndustryCluster
from mengkeju.lib.hidden import has_control_characters
from mengkeju.postings.limits import MAX_AMOUNT_WAN, MAX_KEYWORD_LENGTH, MAX_KEYWORDS, TEXT_LIMITS
from needs.models import TechnicalNeed
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# any code point, lone surrogates (category Cs) included
ANY_CHAR = st.characters(exclude_categories=())
ODD_CHARS = st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u200b", "\u202e", "\ufeff", "\ud800", "\r"])
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=60),
    st.text(st.one_of(ANY_CHAR, ODD_CHARS), max_size=30),
    st.sampled_from(["", " ", "光伏组件回收", "稀土永磁电机", '=HYPERLINK("x")', "<script>x</script>"]),
    # huge strings: at and beyond every limit
    st.builds(
        lambda char, size: char * size,
        st.sampled_from(["字", "a", " ", "\x00"]),
        st.sampled_from([200, 201, TEXT_LIMITS["description"], TEXT_LIMITS["description"] + 1, 60_000]),
    ),
)
KEYWORDS = st.one_of(
    TEXT,
    st.lists(st.text(st.one_of(ANY_CHAR, ODD_CHARS), min_size=1, max_size=MAX_KEYWORD_LENGTH + 5), max_size=40).map(
        "、".join
    ),
)
AMOUNT = st.one_of(
    st.none(),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**16), max_value=10**16).map(str),
    st.sampled_from(["0", "0.01", "12.5", "100000", "100000.01", "3000000", "12345678901234", "1e20", "1.234"]),
    st.sampled_from(["三十万", "30万", "1,000", "-0", "NaN", " 50 "]),
    TEXT,
)
DATE = st.one_of(
    st.none(),
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(datetime.date.isoformat),
    st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2040, 12, 31)).map(datetime.date.isoformat),
    st.sampled_from(["0001-01-01", "2026-02-30", "下周", "2026/12/31", "99999-01-01"]),
    TEXT,
)
BOOLEAN = st.sampled_from([None, "on", "", "off", "\x00"])

COMMON = {
    "title": TEXT,
    "keywords": KEYWORDS,
    "description": TEXT,
    "deadline": DATE,
    "region_code": st.one_of(st.none(), st.sampled_from(["150100", "150102", "999999"]), TEXT),
    "contact_name": TEXT,
    "contact_phone": TEXT,
    "contact_email": st.one_of(st.none(), st.emails().map(str), TEXT),
}
NEED_FIELDS = COMMON | {
    "budget_min_wan": AMOUNT,
    "budget_max_wan": AMOUNT,
    "confidential": BOOLEAN,
    "public_summary": TEXT,
    "is_challenge": BOOLEAN,
    "challenge_bounty_wan": AMOUNT,
}
ACHIEVEMENT_FIELDS = COMMON | {
    "maturity": st.one_of(st.sampled_from(["lab", "pilot", "industrial", "x"]), TEXT),
    "price_wan": AMOUNT,
    "ip_type": st.one_of(st.sampled_from(["patent", "none", "x"]), TEXT),
    "ip_numbers": TEXT,
    "lead_researcher": TEXT,
    "team": TEXT,
}


def _values(fields: dict) -> st.SearchStrategy:
    """Some of the fields, each with an arbitrary value (None: the field is left out of the post)."""
    return st.fixed_dictionaries({}, optional=fields)


def _body(data: dict) -> bytes:
    """An urlencoded body as a browser would send it, except that lone surrogates go out as the bytes
    UTF-8 forbids (the test client would refuse to encode them)."""
    parts = []
    for name, values in data.items():
        for value in values if isinstance(values, list) else [values]:
            raw = str(value).encode("utf-8", "surrogatepass")
            parts.append(f"{quote(name)}={quote(raw)}")
    return "&".join(parts).encode("ascii")


def _post(client, url: str, base: dict, values: dict):
    data = {**base, **{k: v for k, v in values.items() if v is not None}}
    body = _body(data)
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    if len(body) > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE:  # Django refuses the request as a whole
        assert response.status_code == 400, response.status_code
    else:
        assert response.status_code in (200, 302), response.status_code
    return response


def _base() -> dict:
    return {
        "title": "光伏组件回收",
        "cluster": str(IndustryCluster.objects.get(code="new-energy").pk),
        "keywords": "光伏、回收",
        "description": "退役光伏组件的回收利用。",
        "cooperation_modes": [str(CooperationMode.objects.first().pk)],
    }


def _assert_reads_back(client, posting) -> None:
    """A saved posting holds what the rules allow and its pages render for its owner."""
    posting.refresh_from_db()
    for field in ("title", "description", "contact_name", "contact_phone", "region"):
        value = getattr(posting, field)
        assert not has_control_characters(value), (field, value)
    assert len(posting.description) <= TEXT_LIMITS["description"]
    assert len(posting.keywords) <= MAX_KEYWORDS and all(
        0 < len(k) <= MAX_KEYWORD_LENGTH and not has_control_characters(k) for k in posting.keywords
    )
    for amount in ("budget_min_wan", "budget_max_wan", "challenge_bounty_wan", "price_wan"):
        value = getattr(posting, amount, None)
        assert value is None or 0 <= value <= MAX_AMOUNT_WAN
    if posting.deadline is not None:
        assert datetime.date(2000, 1, 1) <= posting.deadline <= datetime.date(2099, 12, 31)
    assert client.get(posting.get_absolute_url()).status_code == 200
    assert client.get(reverse(f"{posting.kind}s:edit", args=[posting.pk])).status_code == 200


def _assert_field_errors(response, form_fields) -> None:
    form = response.context["form"]
    assert form.errors, "the form came back without an error"
    assert set(form.errors) <= set(form_fields) | {"cluster", "cooperation_modes"}, form.errors


def _create(client, model, kind, fields, values):
    before = set(model.objects.values_list("pk", flat=True))
    response = _post(client, reverse(f"{kind}s:create"), _base(), values)
    new = model.objects.exclude(pk__in=before)
    if response.status_code == 302:
        assert new.count() == 1
        _assert_reads_back(client, new.get())
    elif response.status_code == 400:
        assert not new.exists(), "a refused request saved something"
    else:
        assert not new.exists(), "a refused form saved something"
        _assert_field_errors(response, fields)
    new.delete()


def _edit(client, posting, kind, fields, values):
    before = type(posting).objects.filter(pk=posting.pk).values().get()
    response = _post(client, reverse(f"{kind}s:edit", args=[posting.pk]), _base(), values)
    if response.status_code == 302:
        _assert_reads_back(client, posting)
    else:
        after = type(posting).objects.filter(pk=posting.pk).values().get()
        assert after == before, "a refused edit changed the posting"
        if response.status_code == 200:
            _assert_field_errors(response, fields)


@PROPERTY_SETTINGS
@given(values=_values(NEED_FIELDS))
def test_need_create_saves_or_names_a_field(client_for, owner, values):
    _create(client_for(owner), TechnicalNeed, "need", NEED_FIELDS, values)


@PROPERTY_SETTINGS
@given(values=_values(NEED_FIELDS))
def test_need_edit_saves_or_names_a_field_and_changes_nothing(client_for, owner, org_a, values):
    need = TechnicalNeed.objects.filter(title="待改的需求").first() or NeedFactory(
        organization=org_a, created_by=owner, status="draft", title="待改的需求"
    )
    _edit(client_for(owner), need, "need", NEED_FIELDS, values)


@PROPERTY_SETTINGS
@given(values=_values(ACHIEVEMENT_FIELDS))
def test_achievement_create_saves_or_names_a_field(client_for, researcher, values):
    _create(client_for(researcher), Achievement, "achievement", ACHIEVEMENT_FIELDS, values)


@PROPERTY_SETTINGS
@given(values=_values(ACHIEVEMENT_FIELDS))
def test_achievement_edit_saves_or_names_a_field_and_changes_nothing(client_for, researcher, uni_u, values):
    achievement = Achievement.objects.filter(title="待改的成果").first() or AchievementFactory(
        organization=uni_u, created_by=researcher, status="draft", title="待改的成果"
    )
    _edit(client_for(researcher), achievement, "achievement", ACHIEVEMENT_FIELDS, values)


def test_a_body_over_django_s_limit_is_refused_whole_and_saves_nothing(client_for, owner):
    huge = "字" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 9 + 1000)
    _create(client_for(owner), TechnicalNeed, "need", NEED_FIELDS, {"description": huge})
    assert not TechnicalNeed.objects.exists()
