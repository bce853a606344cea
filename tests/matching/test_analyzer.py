from mengkeju.lib.textanalysis import Analyzer, starter_synonyms


def analyzer():
    return Analyzer(starter_synonyms())


def test_domain_terms_stay_whole():
    tokens = analyzer().tokens("奶牛乳房炎早期发现，降低钕铁硼重稀土用量，储能电站热失控预警")
    for term in ("乳房炎", "钕铁硼", "重稀土", "储能电站", "热失控"):
        assert term in tokens


def test_mixed_script_tokens_survive():
    tokens = analyzer().tokens("PET瓶、mRNA疫苗、β-酪蛋白、5G基站、CO2加氢、ＣｕＯ-ＺｎＯ催化剂")
    for term in ("pet", "mrna", "β-酪蛋白", "5g", "co2", "cuo-zno"):
        assert term in tokens


def test_stopwords_and_bare_numbers_removed():
    tokens = analyzer().tokens("我公司希望提高技术水平，降低成本40%以上，3000头")
    assert not {"我公司", "希望", "提高", "技术", "40", "3000"} & set(tokens)


def test_search_tokens_contain_tokens_and_subwords():
    a = analyzer()
    text = "奶牛乳房炎早期发现 β-酪蛋白"
    search = a.search_tokens(text)
    assert set(a.tokens(text)) <= set(search)
    assert "乳房" in search and "酪蛋白" in search


def test_synonyms_expand_at_reduced_weight_with_source():
    a = analyzer()
    expanded = a.expand(a.weighted_terms(keywords=["布病"], title="羊布病快速检测", description=""))
    weight, source = expanded["布鲁氏菌病"]
    assert source == "布病"
    assert 0 < weight < expanded["布病"][0]


def test_keywords_weigh_more_than_title_more_than_description():
    terms = analyzer().weighted_terms(keywords=["光伏"], title="风电", description="储能")
    assert terms["光伏"] > terms["风电"] > terms["储能"]


def test_empty_and_very_long_input():
    a = analyzer()
    assert a.tokens("") == [] and a.search_tokens("") == []
    assert a.weighted_terms(keywords=[], title="", description="") == {}
    long_text = "高盐废水零排放与分盐，蒸发结晶。" * 5000
    assert "分盐" in a.tokens(long_text)


def test_deterministic():
    text = "风光耦合电解水制氢适应功率波动"
    assert analyzer().tokens(text) == analyzer().tokens(text)
