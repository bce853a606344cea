"""Choice widgets that render in Python the exact HTML of Django's widget templates, without a template
per option.

Django renders a ``<select>`` or a checkbox list through one template include per option
(``select_option.html``, ``input_option.html``, ``attrs.html``); for the libraries' region picker (116
divisions) and the other filter fields that was about half of a library page's server time. ``Select``
and ``CheckboxSelectMultiple`` here produce the same markup as Django 5.2's templates (``select.html``,
``checkbox_select.html`` and the files they include, trailing newlines included), with the same escaping:
values and attributes through ``escape(str(...))`` (the templates' ``stringformat:'s'`` then autoescape),
names, labels and group names through ``conditional_escape``. ``tests/lib/test_fast_widgets.py`` compares
them with the templates. The class names are Django's, so ``BoundField.widget_type`` (which templates test)
is unchanged.
"""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

__all__ = ["CheckboxSelectMultiple", "Select"]


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``."""
    out = []
    for name, value in attrs.items():
        if value is True:
            out.append(f" {conditional_escape(name)}")
        elif value is not False:
            out.append(f' {conditional_escape(name)}="{escape(str(value))}"')
    return "".join(out)


class Select(forms.Select):
    """``forms.Select`` rendered without templates (same HTML)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                parts.append(
                    f'\n  <option value="{escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                    f"{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>\n")
        return mark_safe("".join(parts).strip())  # every piece is escaped above; stripped as the renderer does


class CheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """``forms.CheckboxSelectMultiple`` rendered without templates (same HTML)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        wid, css = widget["attrs"].get("id"), widget["attrs"].get("class")
        parts = ["<div"]
        if wid:
            parts.append(f' id="{conditional_escape(wid)}"')
        if css:
            parts.append(f' class="{conditional_escape(css)}"')
        parts.append(">")
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{conditional_escape(group)}</label>")
            for option in options:
                parts.append("<div>\n    ")
                if option["wrap_label"]:
                    label_for = option["attrs"].get("id")
                    parts.append(f'<label for="{conditional_escape(label_for)}">' if label_for else "<label>")
                value = "" if option["value"] is None else f' value="{escape(str(option["value"]))}"'
                parts.append(
                    f'<input type="{conditional_escape(option["type"])}" name="{conditional_escape(option["name"])}"'
                    f"{value}{_attrs(option['attrs'])}>\n"
                )
                if option["wrap_label"]:
                    parts.append(f" {conditional_escape(option['label'])}</label>")
                parts.append("\n\n</div>")
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>\n\n")
        return mark_safe("".join(parts).strip())  # every piece is escaped above; stripped as the renderer does
