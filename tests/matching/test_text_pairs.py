"""Pairs the matcher lost to text handling (issue 8): C++ vs 维生素C, 3D打印 ~ 增材制造, traditional script."""

from matching.scoring import Scorer, Side, Stats
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms

A = Analyzer(starter_synonyms())


def side(key, title, description="", keywords=(), cluster="新材料"):
    text = {"keywords": list(keywords), "title": title, "description": description}
    return Side(
        key=key,
        cluster=cluster,
        terms=A.weighted_terms(**text),
        grams=A.weighted_grams(**text),
        concepts=A.concepts(keywords=list(keywords), title=title),
        head_grams=frozenset(A.weighted_grams(keywords=list(keywords), title=title, description="")),
    )


NOISE = [side(f"n{i}", f"粉煤灰提铝{i}", "以粉煤灰为原料提取氧化铝。", ["粉煤灰"]) for i in range(8)]


def score(need, doc, docs):
    s = Scorer(stats=Stats.from_sides([*docs, *NOISE]), related=set())
    expanded = A.expand(need.terms)
    need.grams = A.expand_grams(need.grams, expanded)
    return s.score(s.query(need, expanded), doc).score


def test_a_cpp_need_shares_nothing_with_vitamin_c():
    cpp = side("cpp", "基于C++的工业控制实时软件框架", "面向PLC与运动控制的实时任务调度框架。")
    csharp = side("cs", "C#上位机数据采集软件", "采集现场仪表数据并生成报表。")
    vitc = side("vitc", "沙棘维生素C高效提取工艺", "从沙棘果中提取维生素C与黄酮。")
    docs = [cpp, csharp, vitc]
    need = dict(title="C++实时控制软件开发", description="需要熟悉C++与实时操作系统。")
    assert score(side("need", **need), vitc, docs) == 0
    assert score(side("need", **need), cpp, docs) > score(side("need", **need), csharp, docs)
    assert "c" not in A.tokens("C++ C#") and {"c++", "c#"} <= set(A.tokens("C++ C#"))


def test_the_shipped_synonym_3d_printing_fires():
    doc = side("am", "增材制造钛合金轻量化构件", "激光选区熔化成形钛合金构件。")
    other = side("cast", "钛合金精密铸造", "熔模铸造钛合金构件。")
    docs = [doc, other]
    same_words = score(side("need", "增材制造钛合金轻量化构件"), doc, docs)
    synonym = score(side("need", "3D打印钛合金轻量化构件"), doc, docs)
    assert A.tokens("3D打印钛合金")[0] == "3d打印"
    # a synonym counts SYNONYM_FACTOR (0.85) of the word itself
    assert synonym >= 0.8 * same_words
    assert synonym > score(side("need", "3D打印钛合金轻量化构件"), other, docs)


def test_traditional_script_scores_like_simplified():
    traditional = side("t", "碳纖維複合材料風電葉片", "採用真空灌注成型工藝。")
    simplified = side("s", "碳纤维复合材料风电叶片", "采用真空灌注成型工艺。")
    need = "碳纤维风电叶片轻量化"
    assert score(side("need", need), traditional, [traditional]) == score(side("need", need), simplified, [simplified])
    assert score(side("need", need), traditional, [traditional]) > 0.5


def test_dash_variants_are_one_token():
    for dash in "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d":
        assert A.tokens(f"耐高温α{dash}淀粉酶") == ["耐高温", "α-淀粉酶"], repr(dash)
