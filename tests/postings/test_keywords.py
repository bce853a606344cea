"""How the keywords field reads what people type: separators, and a space inside a Latin keyword."""

import pytest

from mengkeju.postings.forms import KeywordsField, keywords_split


@pytest.mark.parametrize(
    "typed, keywords",
    [
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
    ],
)
def test_keywords_split(typed, keywords):
    assert keywords_split(typed) == keywords


def test_the_field_stores_a_latin_keyword_with_its_space_and_shows_it_again():
    field = KeywordsField()
    value = field.clean("OPC UA 边缘网关、数据采集")
    assert value == ["OPC UA", "边缘网关", "数据采集"]
    assert field.prepare_value(value) == "OPC UA、边缘网关、数据采集"
    assert field.clean(field.prepare_value(value)) == value  # an edit that changes nothing keeps them
