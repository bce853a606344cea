"""Property tests of normalisation and the analyser on arbitrary Unicode (hypothesis)."""

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mengkeju.lib.textanalysis import Analyzer, normalize, starter_synonyms
from mengkeju.lib.textanalysis.normalize import DASHES, INVISIBLE, normalize_char_map
from mengkeju.lib.textanalysis.search_terms import highlight_terms, index_terms, query_groups

A = Analyzer(starter_synonyms())
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# arbitrary text, with Chinese (simplified and traditional), dashes, invisibles and full-width forms
# drawn often enough to meet each other
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from("碳纖維複合材料风电叶片拉曼光谱颗粒硅煤乳业αβ+#-./ 　\u200b\u202eＡ１－C++316L"),
        st.sampled_from(DASHES + INVISIBLE),
    ),
    max_size=60,
)
# one search-index term, as both full-text parsers must read it: letters, digits, Greek, Chinese only
SAFE_TERM = re.compile(r"^[0-9a-zα-ω\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")


@SETTINGS
@given(TEXT)
@example("碳纖維")
@example("İ")
def test_normalize_is_idempotent_and_total(text):
    once = normalize(text)
    assert normalize(once) == once
    assert not set(once) & set(INVISIBLE + DASHES)
    assert normalize(text, lower=False).lower() == once or normalize(normalize(text, lower=False)) == once


@SETTINGS
@given(TEXT)
def test_char_map_points_into_the_text(text):
    norm, origins = normalize_char_map(text)
    assert len(norm) == len(origins)
    assert all(0 <= i < len(text) for i in origins) and origins == sorted(origins)


@SETTINGS
@given(TEXT)
def test_tokens_are_normalised_words(text):
    tokens = A.tokens(text)
    assert all(t and not any(c.isspace() for c in t) for t in tokens)
    assert A.tokens(normalize(text)) == tokens
    assert set(tokens) <= set(A.search_tokens(text))


@SETTINGS
@given(TEXT)
def test_index_and_query_terms_are_single_parser_tokens(text):
    assert all(SAFE_TERM.match(t) for t in index_terms(A, text)), index_terms(A, text)
    for group in query_groups(text, A.synonyms):
        assert group and all(alt and all(SAFE_TERM.match(t) for t in alt) for alt in group)
    highlight_terms(text, A.synonyms)


@SETTINGS
@given(TEXT)
def test_the_text_itself_is_found_by_its_own_chinese_and_latin_words(text):
    """Every term a query for ``text`` needs (without synonyms) is among the text's index terms."""
    indexed = set(index_terms(A, text))
    for group in query_groups(text):
        assert set(group[0]) <= indexed, (group[0], text)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("碳纖維複合材料", "碳纤维复合材料"),
        ("耐高温α–淀粉酶", "耐高温α-淀粉酶"),
        ("ＡＢＣ１２３\u3000型", "abc123 型"),
        ("光\u200b伏\u202e组件\ufeff", "光伏组件"),
        ("CA19\u22129", "ca19-9"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_examples(raw, expected):
    assert normalize(raw) == expected
