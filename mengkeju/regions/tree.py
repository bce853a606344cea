"""The division tree in memory (about 120 rows, read in one query) and the name resolver.

``region_tree()`` reads the table; ``RegionTree.from_rows`` builds the same tree from plain tuples so that
data migrations can resolve old free-text values with their historical models.

Resolving a free-text region (``RegionTree.resolve``): the text is normalised (NFKC, traditional →
simplified with OpenCC, lower case, spaces and punctuation removed, a leading 中国 dropped), then read from
the left as region → 盟市 → 旗县区, taking at each level the longest known name it starts with.  Known
names are the Chinese name, the English name, the admin's ``aliases`` and, for 盟市 (and for 旗县区 under
their 盟市), the name without its suffix (鄂尔多斯 for 鄂尔多斯市, 新城 for 新城区 after 呼和浩特; Jungar for
Jungar Banner after Ordos).
A 旗县区 written alone (准格尔旗) is found by its full name or an alias.  The deepest level reached wins.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

SUFFIXES = ("自治区", "自治旗", "市", "盟", "区", "县", "旗")
_DROP = re.compile(r"[\s·・•,，、.。;；:：/\\|()（）\[\]【】\-‐‑‒–—―−﹘﹣－]+")


@functools.cache
def _t2s():
    try:
        import opencc
    except ImportError:  # pragma: no cover - OpenCC is a dependency; without it traditional names stay unmatched
        return None
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """The comparable form of a region name: ``" 內蒙古 · 呼和浩特市 "`` → ``"内蒙古呼和浩特市"``.

    The platform's one normalisation (``textanalysis.normalize``), then traditional → simplified (again,
    should that not do it yet), then spaces and punctuation dropped."""
    from mengkeju.lib.textanalysis.normalize import normalize

    text = normalize(unicodedata.normalize("NFKC", text or "")).strip()
    converter = _t2s()
    if converter is not None and text:
        text = converter.convert(text)
    text = _DROP.sub("", text.lower())
    return text.removeprefix("中国")


_EN_SUFFIX = re.compile(r"\s+(?:Autonomous\s+)?(?:Banner|County|District|City|League)$", re.IGNORECASE)


def _short_en(name: str) -> str:
    """An English name without its kind: ``"Jungar Banner"`` → ``"Jungar"``, ``"Hinggan League"`` → ``"Hinggan"``."""
    short = _EN_SUFFIX.sub("", name or "")
    return short if short != name and len(short) >= 3 else ""


def _short(name: str) -> str | None:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


@dataclass
class Node:
    id: int
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_id: int | None
    aliases: tuple[str, ...] = ()
    children: list[Node] = field(default_factory=list)

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        language = get_language() or ""
        return self.name_en if language.startswith("en") and self.name_en else self.name_zh


def _aliases(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in re.split(r"[,，、]", text or "") if a.strip())


class RegionTree:
    def __init__(self, nodes: Iterable[Node]):
        self.by_id = {node.id: node for node in nodes}
        self.by_code = {node.code: node for node in self.by_id.values()}
        self.roots: list[Node] = []
        for node in self.by_id.values():  # rows come in display order
            parent = self.by_id.get(node.parent_id)
            (parent.children if parent else self.roots).append(node)
        self._top_names: dict[str, Node] = {}  # regions and 盟市, matched anywhere at the start
        self._county_names: dict[str, Node] = {}  # 旗县区 by full name or alias, when no 盟市 was named
        self._child_names: dict[int, dict[str, Node]] = {}  # 旗县区 under their 盟市, short names too
        for node in self.by_id.values():
            full = [node.name_zh, node.name_en, *node.aliases]
            if node.level == "county":
                for name in full:
                    self._county_names.setdefault(normalise(name), node)
                names = self._child_names.setdefault(node.parent_id, {})
                for name in [*full, _short(node.name_zh) or "", _short_en(node.name_en)]:
                    names.setdefault(normalise(name), node)
            else:
                for name in [*full, _short(node.name_zh) or "", _short_en(node.name_en)]:
                    self._top_names.setdefault(normalise(name), node)
        for names in (self._top_names, self._county_names, *self._child_names.values()):
            names.pop("", None)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> RegionTree:
        """``rows``: (id, code, name_zh, name_en, level, parent_id, aliases) in display order."""
        return cls(Node(i, c, zh, en or "", lv, p, _aliases(al)) for i, c, zh, en, lv, p, al in rows)

    # --- reading ------------------------------------------------------------------------------------

    def descendant_ids(self, node: Node) -> list[int]:
        """The node and everything under it (a 盟市 with its 旗县区)."""
        ids, stack = [], [node]
        while stack:
            current = stack.pop()
            ids.append(current.id)
            stack.extend(current.children)
        return ids

    def full_name(self, node: Node) -> str:
        """Chinese name below the region level: 呼和浩特市新城区, 鄂尔多斯市; 内蒙古自治区 for the region."""
        parts = [node.name_zh]
        parent = self.by_id.get(node.parent_id)
        while parent is not None and parent.parent_id is not None:
            parts.insert(0, parent.name_zh)
            parent = self.by_id.get(parent.parent_id)
        return "".join(parts)

    def choices(self, *, empty_label: str) -> list:
        """Grouped choices of codes for a ``<select>``: the region, then one group per 盟市 (the 盟市 as a
        whole first, then its 旗县区)."""
        choices: list = [("", empty_label)]
        for root in self.roots:
            choices.append((root.code, _("%(name)s (whole region)") % {"name": root.name}))
            for child in root.children:
                group = [(child.code, _("%(name)s (all of it)") % {"name": child.name})]
                group += [(grandchild.code, grandchild.name) for grandchild in child.children]
                choices.append((child.name, group))
        return choices

    def lookup(self, value: str) -> Node | None:
        """A node by its code, else by its name (``resolve``)."""
        value = (value or "").strip()
        return self.by_code.get(value) or self.resolve(value)

    def resolve(self, text: str) -> Node | None:
        """The division a free-text region names, or None (see the module docstring)."""
        rest = normalise(text)
        if not rest:
            return None
        found: Node | None = None
        while rest:
            node, after = _longest_prefix(rest, self._top_names)
            if node is None or (found is not None and node.parent_id != found.id):
                break
            found, rest = node, after
        if found is not None and found.level == "prefecture":
            county, _rest = _longest_prefix(rest, self._child_names.get(found.id, {}))
            return county or found
        if rest and (found is None or found.level == "province"):
            county, _rest = _longest_prefix(rest, self._county_names)
            if county is not None and (found is None or self._is_under(county, found)):
                return county
        return found

    def _is_under(self, node: Node, ancestor: Node) -> bool:
        parent = self.by_id.get(node.parent_id)
        while parent is not None:
            if parent.id == ancestor.id:
                return True
            parent = self.by_id.get(parent.parent_id)
        return False


def _longest_prefix(text: str, names: dict[str, Node]) -> tuple[Node | None, str]:
    for length in range(min(len(text), 40), 0, -1):
        node = names.get(text[:length])
        if node is not None:
            return node, text[length:]
    return None, text


def region_tree() -> RegionTree:
    """The current tree, one query. Built once per distinct table content: building normalises every
    name and alias (OpenCC), which took longer than the rest of a library page's filter form."""
    from .models import Division

    rows = Division.objects.order_by("sort_order", "code").values_list(
        "id", "code", "name_zh", "name_en", "level", "parent_id", "aliases"
    )
    return _tree_of(tuple(rows))


@functools.lru_cache(maxsize=4)
def _tree_of(rows: tuple[tuple, ...]) -> RegionTree:
    return RegionTree.from_rows(rows)


_SHARED: dict[str, RegionTree] = {}


def region_tree_shared() -> RegionTree:
    """The tree kept in memory for display (one query per process, then none); dropped whenever a
    division is saved or deleted (signals in ``apps.py``), so an admin's edit shows at once."""
    tree = _SHARED.get("tree")
    if tree is None:
        tree = _SHARED["tree"] = region_tree()
    return tree


def region_tree_forget(**_kwargs) -> None:
    """Drop the shared tree (a signal receiver: any keyword arguments are ignored)."""
    _SHARED.pop("tree", None)


def display_name(division_id: int | None, fallback: str = "") -> str:
    """A division's name for a reader of the active language: in English the division and its 盟市
    (``"Jungar Banner, Ordos"``, ``"Ordos"``, ``"Inner Mongolia"``); in Chinese, or for a division without
    an English name, ``fallback`` (the region as the poster typed it) or else the Chinese full name
    (``"鄂尔多斯市准格尔旗"``). ``division_id`` None (a region outside the tree) gives ``fallback``."""
    from django.utils.translation import get_language

    if division_id is None:
        return fallback
    tree = region_tree_shared()
    node = tree.by_id.get(division_id)
    if node is None:  # a division added since the tree was read (or another test database)
        region_tree_forget()
        tree = region_tree_shared()
        node = tree.by_id.get(division_id)
        if node is None:
            return fallback
    if (get_language() or "").startswith("en") and node.name_en:
        parts = [node.name_en]
        parent = tree.by_id.get(node.parent_id)
        if parent is not None and parent.parent_id is not None and parent.name_en:
            parts.append(parent.name_en)
        return ", ".join(parts)
    return fallback or tree.full_name(node)


def region_resolve(text: str, *, tree: RegionTree | None = None) -> int | None:
    """The id of the division a free-text region names (``"鄂尔多斯"`` → 鄂尔多斯市's id), or None.

    For callers outside this app (import): pass one ``tree`` for a whole file to read the table once."""
    node = (tree or region_tree()).resolve(text)
    return node.id if node else None
