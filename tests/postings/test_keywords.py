"""How the keywords field reads what people type: separators, and a space inside a Latin keyword."""

import re
from pathlib import Path

import pytest

from mengkeju.postings.forms import KeywordsField, keywords_split

FORMS_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "forms.js"

CASES = [
    # a space between two Latin words or numbers stays inside the keyword
    ("OPC UA", ["OPC UA"]),
    ("machine vision、边缘计算", ["machine vision", "边缘计算"]),
    ("Industry 4.0，数字孪生", ["Industry 4.0", "数字孪生"]),
    ("OPC   UA", ["OPC UA"]),  # several spaces: one
    ("OPC\u3000UA", ["OPC UA"]),  # an ideographic space too
    ("Modbus TCP; OPC UA", ["Modbus TCP", "OPC UA"]),
    # a space beside a Chinese character separates, as before
    ("颗粒硅 流化床", ["颗粒硅", "流化床"]),
    ("PLC 控制", ["PLC", "控制"]),
    ("5G 专网", ["5G", "专网"]),
    ("OPC UA 公路", ["OPC UA", "公路"]),
    # the other separators, repeats, empty pieces
    ("光伏、回收,储能，氢能;风电；煤化工", ["光伏", "回收", "储能", "氢能", "风电", "煤化工"]),
    ("光伏、、光伏 ， ", ["光伏"]),
    ("OPC UA、OPC  UA", ["OPC UA"]),
    (" , 、 ", []),
    ("", []),
]


@pytest.mark.parametrize("typed, keywords", CASES)
def test_keywords_split(typed, keywords):
    assert keywords_split(typed) == keywords


def test_the_field_stores_a_latin_keyword_with_its_space_and_shows_it_again():
    field = KeywordsField()
    value = field.clean("OPC UA 边缘网关、数据采集")
    assert value == ["OPC UA", "边缘网关", "数据采集"]
    assert field.prepare_value(value) == "OPC UA、边缘网关、数据采集"
    assert field.clean(field.prepare_value(value)) == value  # an edit that changes nothing keeps them


@pytest.mark.browser
def test_the_page_splits_keywords_as_the_server_does(chromium):
    """The suggestion buttons read the keywords field with ``keywordsSplit`` of static/js/forms.js: in
    chromium it gives the server's keywords for every case above (and the file has no look-behind, which
    Safari before 16.4 refuses at parse time, taking every script of the form with it)."""
    source = FORMS_JS.read_text(encoding="utf-8")
    assert "(?<" not in source
    function = re.search(r"function keywordsSplit\(text\) \{.*?\n    return out;\n  \}", source, re.S).group(0)
    page = chromium.new_page()
    try:
        got = page.evaluate(
            "([source, texts]) => { const split = eval('(' + source + ')'); return texts.map(split); }",
            [function, [typed for typed, _ in CASES]],
        )
    finally:
        page.close()
    assert got == [keywords for _, keywords in CASES]
