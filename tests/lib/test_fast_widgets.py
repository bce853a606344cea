"""The library filters' fast choice widgets give exactly the HTML of Django's widget templates."""

import pytest
from django import forms
from django.utils.safestring import mark_safe

from mengkeju.lib.fast_widgets import CheckboxSelectMultiple as FastCheckboxSelectMultiple
from mengkeju.lib.fast_widgets import Select as FastSelect

CHOICES = [
    ("", "全部地区"),
    ("内蒙古自治区", [("150000", "内蒙古自治区（全部）"), ("150100", "呼和浩特市"), ("150102", "新城区")]),
    ("A & <B>", [(1, "R&D <lab>"), (2, mark_safe("<b>safe</b>")), ('x"y', "quote's")]),
    (3, "三"),
]
FLAT = [("", "全部"), ("pilot", "中试"), (7, "R&D <x>"), ('a"b', mark_safe("<i>ok</i>"))]


@pytest.mark.parametrize("choices", [CHOICES, FLAT])
@pytest.mark.parametrize("value", [None, "", "150100", ["150102"], 1, 'a"b', "pilot", "nonexistent"])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_region"}, {"id": "x&y", "class": "c", "required": True, "disabled": False, "data-n": 5}]
)
def test_select_renders_as_djangos_template(choices, value, attrs):
    fast = FastSelect(choices=choices)
    assert fast.render("region", value, attrs) == forms.Select.render(fast, "region", value, attrs)


@pytest.mark.parametrize("choices", [CHOICES, FLAT])
@pytest.mark.parametrize("value", [None, [], ["pilot"], ["150100", "1", 3], ['a"b', "pilot"]])
@pytest.mark.parametrize("attrs", [None, {"id": "id_mode"}, {"id": "id_m", "class": "checks", "required": True}])
def test_checkboxes_render_as_djangos_template(choices, value, attrs):
    fast = FastCheckboxSelectMultiple(choices=choices)
    expected = forms.CheckboxSelectMultiple.render(fast, "mode", value, attrs)
    assert fast.render("mode", value, attrs) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/needs/", "/achievements/"])
@pytest.mark.parametrize(
    "query",
    ["", "?cluster=1&mode=1&mode=2&sort=title&region=150000&maturity=pilot", "?cluster=999&sort=nope&region=火星"],
)
def test_library_filter_form_is_what_the_templates_render(client, monkeypatch, url, query):
    """The whole filter form of both libraries, bound to valid and invalid values: the same HTML as with
    Django's template-rendered widgets."""

    def form(html):
        start = html.index('<form method="get"')
        return html[start : html.index("</form>", start)]

    fast = form(client.get(url + query).content.decode())
    monkeypatch.setattr(FastSelect, "render", forms.Select.render)
    monkeypatch.setattr(FastCheckboxSelectMultiple, "render", forms.CheckboxSelectMultiple.render)
    assert fast == form(client.get(url + query).content.decode())
    assert "<select" in fast and 'type="checkbox"' in fast
