"""Dictionary and synonyms: the data files, jieba with the domain dictionary, stopwords, synonym groups.

* ``data/domain_dict.txt`` — words the segmenter keeps whole (jieba user dictionary format);
* ``data/stopwords.txt`` — words never indexed or matched;
* ``data/synonyms.tsv`` and ``data/synonyms_colloquial.tsv`` (everyday words ↔ technical terms) — the starter
  synonym lists (``starter_synonyms()``), seeded into the ``Synonym`` table by data migrations.

jieba is loaded lazily on first use (about 0.5 s with its cache file), never at import.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from .chars import HAN_RE, LATIN_CHAR_RE
from .normalize import normalize

__all__ = [
    "DATA_DIR",
    "MIN_SUBWORD_FREQ",
    "base_tokenizer",
    "domain_words",
    "is_mixed",
    "read_lines",
    "seed_synonyms",
    "starter_synonyms",
    "stopwords",
    "synonym_groups",
    "tokenizer_with",
    "unseed_synonyms",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

# jieba's general dictionary lists many fragments with tiny counts (化剂, 氧化碳); a sub-word must be a
# domain or synonym term, or a general word at least this frequent.
MIN_SUBWORD_FREQ = 10


def read_lines(name: str) -> list[str]:
    """The non-blank, non-comment lines of ``data/<name>`` (UTF-8)."""
    lines = []
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("#"):
                lines.append(line)
    return lines


def is_mixed(word: str) -> bool:
    """A word mixing Latin/digits and Chinese (3d打印, pem电解, 荧光定量pcr, f-t合成)."""
    return bool(HAN_RE.search(word)) and bool(LATIN_CHAR_RE.search(word))


def domain_words() -> list[str]:
    """The normalised words of ``data/domain_dict.txt``."""
    return [normalize(line.split()[0]) for line in read_lines("domain_dict.txt")]


STARTER_SYNONYM_FILES = ("synonyms.tsv", "synonyms_colloquial.tsv")


def starter_synonyms(files: Iterable[str] = STARTER_SYNONYM_FILES) -> list[tuple[str, str, str]]:
    """The general starter lists shipped with the code (``files`` of ``data/``): (term, synonym, note)."""
    rows = []
    for line in (line for name in files for line in read_lines(name)):
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].strip() and parts[1].strip():
            rows.append((parts[0].strip(), parts[1].strip(), parts[2].strip() if len(parts) > 2 else ""))
    return rows


def seed_synonyms(model, rows: Iterable[tuple[str, str, str]]) -> int:
    """Add (term, synonym, note) ``rows`` to the ``Synonym`` table ``model`` (a migration's historical model),
    skipping pairs it has already in either order and pairs of a word with itself; returns how many were
    added. Terms are cut to the columns' lengths (50 characters, the note 200)."""
    existing = set(model.objects.values_list("term", "synonym"))
    new = []
    for term, synonym, note in rows:
        if term == synonym or (term, synonym) in existing or (synonym, term) in existing:
            continue
        existing.add((term, synonym))
        new.append(model(term=term[:50], synonym=synonym[:50], note=note[:200]))
    model.objects.bulk_create(new)
    return len(new)


def unseed_synonyms(model, rows: Iterable[tuple[str, str, str]]) -> None:
    """Remove the (term, synonym, note) ``rows`` that ``seed_synonyms`` added from ``model`` (a seeding
    migration's reverse); a pair stored the other way round (an admin's) stays."""
    for term, synonym, _note in rows:
        model.objects.filter(term=term[:50], synonym=synonym[:50]).delete()


def stopwords() -> frozenset[str]:
    """The normalised stopwords of ``data/stopwords.txt``."""
    return frozenset(normalize(w).strip() for w in read_lines("stopwords.txt"))


def synonym_groups(pairs: Iterable[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Symmetric synonym map from (term, synonym, …) pairs, normalised: term → sorted synonyms."""
    groups: dict[str, set[str]] = {}
    for pair in pairs:
        a, b = normalize(pair[0]).strip(), normalize(pair[1]).strip()
        if a and b and a != b:
            groups.setdefault(a, set()).add(b)
            groups.setdefault(b, set()).add(a)
    return {k: tuple(sorted(v)) for k, v in sorted(groups.items())}


# --- jieba, loaded once per process -------------------------------------------------------------

_base_lock = threading.Lock()
_base_tokenizer = None


def _cache_dir() -> str:
    path = os.environ.get("MENGKEJU_JIEBA_CACHE_DIR") or tempfile.gettempdir()
    os.makedirs(path, exist_ok=True)
    return path


def base_tokenizer():
    """jieba's default dictionary plus the domain dictionary; built once per process."""
    global _base_tokenizer
    with _base_lock:
        if _base_tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.tmp_dir = _cache_dir()
            tokenizer.initialize()
            tokenizer.domain_words = set()
            for line in read_lines("domain_dict.txt"):
                parts = line.split()
                word = normalize(parts[0])
                if HAN_RE.search(word) and not is_mixed(word):
                    freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                    tokenizer.add_word(word, freq)
                    tokenizer.domain_words.add(word)
            _base_tokenizer = tokenizer
        return _base_tokenizer


def tokenizer_with(words: Iterable[str]):
    """A copy of the base tokenizer that also keeps ``words`` whole (synonym terms)."""
    import jieba

    base = base_tokenizer()
    words = sorted({w for w in words if HAN_RE.search(w) and not is_mixed(w)} - base.domain_words)
    if not words:
        return base
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = base.tmp_dir
    with base.lock:
        tokenizer.FREQ = dict(base.FREQ)
        tokenizer.total = base.total
    tokenizer.initialized = True
    tokenizer.domain_words = base.domain_words | set(words)
    for word in words:
        if word not in base.FREQ or base.FREQ[word] < MIN_SUBWORD_FREQ:
            tokenizer.add_word(word)
    return tokenizer
