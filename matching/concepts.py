"""The concept layer: problem → technology relations, per industry cluster — pure Python, no Django.

Enterprises describe symptoms (一开春路面就裂缝、坑槽; 冬天烧煤多、屋里还冷), researchers name technologies
(沥青抗冻融改性; 空气源热泵、建筑保温). A relation says: when a need of a cluster mentions the problem, the
technology words are worth looking for in achievements. It is data: a starter set written from general
domain knowledge (``matching/data/concepts.tsv`` and ``concepts_general.tsv``, seeded into the
``ConceptLink`` table), edited by admins.

A relation has

* ``cluster`` — the need's industry cluster (Chinese name) it applies to, or ``"*"`` for every cluster;
* ``problem`` — cue groups separated by spaces, alternatives inside a group by ``|``
  (``路面|沥青 裂|坑槽|冻融``); it applies when every group has an alternative somewhere in the need's
  title, keywords or description (normalised substrings, so it does not depend on word segmentation);
* ``technology`` — the technology terms, separated by ``、`` (or spaces / commas).

``ConceptLayer.expansion`` turns the relations that apply to a need into extra query words (the words of
the technology terms, at ``LINK_WEIGHT``) remembering the relation for the explanation
(``路面、裂 → 沥青改性``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "concepts.tsv"
# the second starter set (migration 0015): written without sight of any evaluation set, see its header
GENERAL = Path(__file__).resolve().parent / "data" / "concepts_general.tsv"
THIRD = Path(__file__).resolve().parent / "data" / "concepts_third.tsv"
STARTER_FILES = (DATA, GENERAL, THIRD)
ANY_CLUSTER = "*"
# weight of a technology word brought in by a relation (a keyword weighs 3, a title word 2)
LINK_WEIGHT = 2.0
_SPLIT_TECH = re.compile(r"[、,，;；\s]+")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower().strip()


@dataclass(frozen=True)
class ConceptLink:
    cluster: str
    problem: str
    technology: str
    note: str = ""
    key: object = None

    def groups(self) -> list[list[str]]:
        return self._groups

    @cached_property
    def _groups(self) -> list[list[str]]:  # parsed once: every need's match asks every relation
        return [[_norm(a) for a in group.split("|") if a.strip()] for group in _norm(self.problem).split()]

    def technologies(self) -> list[str]:
        return [t for t in (_norm(x) for x in _SPLIT_TECH.split(self.technology)) if t]

    def problem_hits(self, text: str, heads: frozenset[str] | None = None) -> list[str] | None:
        """The cue of each group found in ``text`` (normalised), or None when a group has none. With
        ``heads`` (the last character of each word of the text), a one-character cue counts only as the
        head of a word — a word of its own or the end of a compound, Chinese compounds being right-headed:
        牛 in 牛拉稀 or 奶牛, not in 牛奶; 马 not in 马铃薯. Longer cues are found anywhere (风电 in 风电场)."""
        hits = []
        for group in self.groups():
            found = next(
                (cue for cue in group if (cue in heads if heads is not None and len(cue) == 1 else cue in text)), None
            )
            if found is None:
                return None
            hits.append(found)
        return hits or None


def problem_errors(problem: str) -> str | None:
    """Why a problem cue text cannot be used (for forms), or None."""
    groups = [g for g in _norm(problem).split() if g]
    if not groups:
        return "empty"
    if any(not [a for a in g.split("|") if a] for g in groups):
        return "empty alternative"
    return None


def starter_links(path: Path | None = None) -> list[ConceptLink]:
    """The starter set shipped with the code: the relations of ``path``, or of every file of
    ``STARTER_FILES`` (first the first set, then the general one)."""
    links = []
    for name in [path] if path is not None else STARTER_FILES:
        with open(name, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip() or line.startswith("#"):
                    continue
                parts = [p.strip() for p in line.rstrip("\n").split("\t")]
                if len(parts) >= 3 and parts[1] and parts[2]:
                    links.append(
                        ConceptLink(parts[0] or ANY_CLUSTER, parts[1], parts[2], parts[3] if len(parts) > 3 else "")
                    )
    return links


def seed(model, links: Iterable[ConceptLink]) -> int:
    """Add ``links`` to the ``ConceptLink`` table ``model`` (a migration's historical model), leaving the
    relations it has already (same cluster, problem and technology) as they are; returns how many were added."""
    existing = set(model.objects.values_list("cluster", "problem", "technology"))
    rows = []
    for link in links:
        key = _row_key(link)
        if key in existing:
            continue
        existing.add(key)
        rows.append(model(cluster=key[0], problem=key[1], technology=key[2], note=link.note[:200]))
    model.objects.bulk_create(rows)
    return len(rows)


def unseed(model, links: Iterable[ConceptLink]) -> None:
    """Remove ``links`` from the ``ConceptLink`` table ``model`` (a seeding migration's reverse)."""
    for cluster, problem, technology in map(_row_key, links):
        model.objects.filter(cluster=cluster, problem=problem, technology=technology).delete()


def _row_key(link: ConceptLink) -> tuple[str, str, str]:
    """(cluster, problem, technology) as the table stores them: cut to the columns' lengths."""
    return link.cluster[:40], link.problem[:200], link.technology[:300]


class ConceptLayer:
    """Relations ready to apply; ``analyzer`` cuts technology terms into the words the index holds."""

    def __init__(self, links: Iterable[ConceptLink], analyzer, *, weight: float = LINK_WEIGHT):
        self.links = list(links)
        self.analyzer = analyzer
        self.weight = weight
        self._tech_words: dict[str, list[str]] = {}
        self._tech_parts: dict[str, list[str]] = {}

    def tech_words(self, term: str) -> list[str]:
        """The words of a technology term the query gains (two characters or more: 抗冻融 → 冻融)."""
        if term not in self._tech_words:
            words = [w for w in self.analyzer.tokens(term) if len(w) >= 2]
            self._tech_words[term] = words or ([term] if len(term) >= 2 else [])
        return self._tech_words[term]

    def tech_parts(self, term: str) -> list[str]:
        """Every token of a technology term, one-character ones too (抗冻融 → 抗、冻融): an achievement names
        the technology only when it has them all (反复冻融 in a DNA extraction is not 抗冻融)."""
        if term not in self._tech_parts:
            self._tech_parts[term] = list(dict.fromkeys(self.analyzer.tokens(term))) or self.tech_words(term)
        return self._tech_parts[term]

    def applying(self, *, text: str, cluster: str | None) -> list[tuple[ConceptLink, list[str]]]:
        """Relations whose problem the text mentions: [(link, cues found)] — those of ``cluster`` and of
        every cluster (``"*"``); when none of them applies, those of the other clusters. An enterprise does
        not always file a need where the relation sits (牧民屋里冷、烧煤多 under 新材料 rather than 新能源):
        the fallback keeps the need from losing every relation over that choice, while a cluster's own
        relations, when one applies, still decide alone."""
        text = _norm(text)
        heads = frozenset(word[-1] for word in self.analyzer.tokens(text))
        index = self._first_characters
        possible = sorted({i for char in set(text) for i in index.get(char, ())})  # the relations' order
        own, other = [], []
        for i in possible:
            link = self.links[i]
            hits = link.problem_hits(text, heads)
            if hits:
                (own if link.cluster in (ANY_CLUSTER, cluster) else other).append((link, hits))
        return own or other

    @cached_property
    def _first_characters(self) -> dict[str, list[int]]:
        """Character → the relations (their places in ``links``) that some cue of their first group starts
        with: a relation can apply only to a text holding one of those characters, so a need is checked
        against a few dozen relations instead of all ~800."""
        index: dict[str, list[int]] = {}
        for i, link in enumerate(self.links):
            groups = link.groups()
            for char in {cue[0] for cue in groups[0]} if groups else ():
                index.setdefault(char, []).append(i)
        return index

    def expansion(self, *, text: str, cluster: str | None) -> dict[str, tuple[float, dict]]:
        """Query words from the relations that apply: word → (weight, {"problem", "technology", "words",
        "parts"}), ``words`` being the words of the technology term the query gains and ``parts`` every token
        of the term: an achievement that has all the parts names the technology; one word of it alone is no
        evidence (``Scorer.names_technology``)."""
        out: dict[str, tuple[float, dict]] = {}
        for link, hits in self.applying(text=text, cluster=cluster):
            problem = "、".join(dict.fromkeys(hits))
            for term in link.technologies():
                words = self.tech_words(term)
                info = {
                    "problem": problem,
                    "technology": term,
                    "words": list(words),
                    "parts": self.tech_parts(term),
                }
                for word in words:
                    if word not in out:
                        out[word] = (self.weight, info)
        return out

    def suggestions(self, *, text: str, cluster: str | None) -> list[dict]:
        """For the need form: the relations that apply, as {"problem", "technologies"} (what the matcher
        understood and which technology keywords would help)."""
        return [
            {"problem": "、".join(dict.fromkeys(hits)), "technologies": link.technologies()}
            for link, hits in self.applying(text=text, cluster=cluster)
        ]


def posting_text(record: dict) -> str:
    keywords = record.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [keywords]
    return " ".join([record.get("title") or "", " ".join(keywords), record.get("description") or ""])
