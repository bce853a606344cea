"""``{{ posting|region_name }}``: a posting's region in the reader's language (English names of 盟市 and
旗县区 on English pages, the text the poster typed on Chinese pages)."""

from django import template

from mengkeju.regions.tree import display_name

register = template.Library()


@register.filter
def region_name(posting) -> str:
    """``posting``: anything with ``division_id`` and ``region`` (needs, achievements)."""
    return display_name(getattr(posting, "division_id", None), getattr(posting, "region", "") or "")
