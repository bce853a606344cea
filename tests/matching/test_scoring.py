from matching.scoring import Scorer, Side, Stats
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms

A = Analyzer(starter_synonyms())


def side(key, cluster, keywords, title, description, **extra):
    text = {"keywords": keywords, "title": title, "description": description}
    return Side(
        key=key,
        cluster=cluster,
        terms=A.weighted_terms(**text),
        grams=A.weighted_grams(**text),
        concepts=A.concepts(keywords=keywords, title=title),
        head_grams=frozenset(A.weighted_grams(keywords=keywords, title=title, description="")),
        **extra,
    )


NOISE = [side(f"n{i}", "新材料", ["粉煤灰"], f"粉煤灰提铝{i}", "以粉煤灰为原料提取氧化铝。") for i in range(8)]


def scorer(docs):
    return Scorer(stats=Stats.from_sides(docs), related={("新材料", "现代化工")})


def query(s, need):
    expanded = A.expand(need.terms)
    need.grams = A.expand_grams(need.grams, expanded)
    return s.query(need, expanded)


NEED = dict(keywords=["光伏组件", "清洗机器人"], title="光伏板积灰清洗", description="光伏电站组件积灰，需要清洗。")
DOC = dict(keywords=["光伏组件", "清洗"], title="光伏组件清洗机器人", description="光伏电站组件自动清洗。")


def test_same_cluster_scores_above_identical_cross_cluster_pair():
    same = side("same", "新能源", **DOC)
    other = side("other", "生物医药", **DOC)
    s = scorer([same, other, *NOISE])
    q = query(s, side("need", "新能源", **NEED))
    assert s.score(q, same).score > s.score(q, other).score > 0


def test_strong_cross_cluster_pair_still_in_top_k():
    other = side("other", "生物医药", **DOC)
    weak_same = [side(f"w{i}", "新能源", ["风电"], f"风电场运维{i}", "风电场运维管理。") for i in range(12)]
    docs = [other, *weak_same, *NOISE]
    s = scorer(docs)
    ranked = s.rank(query(s, side("need", "新能源", **NEED)), docs, top_k=10)
    assert ranked[0].key == "other"


def test_scores_in_unit_interval_and_deterministic():
    docs = [side("d", "新能源", **DOC), *NOISE]
    s = scorer(docs)
    first = [(r.key, r.score) for r in s.rank(query(s, side("need", "新能源", **NEED)), docs)]
    second = [(r.key, r.score) for r in s.rank(query(s, side("need", "新能源", **NEED)), docs)]
    assert first == second
    assert all(0 <= score <= 1 for _, score in first)


def test_explanation_lists_exactly_the_contributing_terms():
    doc = side("d", "新能源", ["太阳能电池板", "除尘"], "太阳能电池板除尘装置", "自动除尘。")
    docs = [doc, *NOISE]
    s = scorer(docs)
    need = side("need", "新能源", **NEED)
    q = query(s, need)
    result = s.score(q, doc)
    listed = {t["term"] for t in result.explanation["shared_terms"] + result.explanation["synonym_terms"]}
    contributing = {t for t in q.terms if t in doc.terms}
    assert listed == contributing
    assert all(t["contribution"] > 0 for t in result.explanation["shared_terms"] + result.explanation["synonym_terms"])
    assert any(t["via"] for t in result.explanation["synonym_terms"])  # 光伏组件 ~ 太阳能电池板
    assert result.explanation["cluster"]["relation"] == "same"


def test_compatibility_signals_are_explained():
    doc = side("d", "新能源", **DOC, modes=frozenset({"技术转让"}), price=50.0, maturity="中试")
    docs = [doc, *NOISE]
    s = scorer(docs)
    need = side("need", "新能源", **NEED, modes=frozenset({"技术转让"}), budget_max=100.0)
    signals = {x["signal"]: x for x in s.score(query(s, need), doc).explanation["compatibility"]}
    assert signals["cooperation_modes"]["common"] == ["技术转让"]
    assert signals["budget"]["verdict"] == "within"
    assert signals["maturity"]["maturity"] == "中试"
