from mengkeju.deals import highlight
from tests.deals.conftest import EXPLANATION


def test_terms_are_marked_and_text_escaped():
    classes = highlight.highlight_classes(EXPLANATION)
    assert classes["光伏"] == "shared" and classes["太阳能电池"] == "synonym" and classes["回收"] == "gram"
    html = highlight.highlight("<b>退役光伏组件</b>与太阳能电池回收", classes)
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert '<mark class="hl-shared">光伏</mark>' in html
    assert '<mark class="hl-synonym">太阳能电池</mark>' in html
    assert '<mark class="hl-gram">回收</mark>' in html


def test_problem_technology_links_are_marked_on_both_sides():
    """A proposal made through the concept layer: the problem's cue words are marked in the need, the
    technology's word in the achievement."""
    explanation = {
        "link_terms": [{"term": "热泵", "problem": "屋里冷、烧煤", "technology": "空气源热泵", "contribution": 0.2}]
    }
    classes = highlight.highlight_classes(explanation)
    assert classes == {"热泵": "link", "屋里冷": "link", "烧煤": "link"}
    assert '<mark class="hl-link">屋里冷</mark>' in highlight.highlight("冬天屋里冷，烧煤多", classes)
    assert '<mark class="hl-link">热泵</mark>' in highlight.highlight("低温空气源热泵供暖", classes)


def test_longest_term_first_and_case_insensitive():
    html = highlight.highlight("PET瓶与pet膜", {"PET": "shared", "PET瓶": "synonym"})
    assert '<mark class="hl-synonym">PET瓶</mark>' in html and '<mark class="hl-shared">pet</mark>' in html


def test_missing_or_malformed_explanations_do_not_crash():
    for bad in (None, {}, [], "x", {"shared_terms": "x"}, {"shared_terms": [None, 3, {"via": "a"}]}, {"cluster": 5}):
        assert highlight.highlight_classes(bad) == {}
        assert highlight.explanation_terms(bad) == {
            "shared": [],
            "synonyms": [],
            "links": [],
            "associations": [],
            "grams": [],
        }
        assert highlight.cluster_relation(bad) == ""
        assert highlight.compatibility_signals(bad) == []
    assert highlight.highlight("a<b", {}) == "a&lt;b"
    signals = highlight.compatibility_signals(
        {"compatibility": [{"signal": "x", "common": ["a", "b"], "adjustment": "?"}]}
    )
    assert signals == [{"signal": "x", "adjustment": None, "detail": [("common", "a、b")]}]
