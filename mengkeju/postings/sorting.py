"""The stored key behind "Title A–Z": titles in pinyin order, the same on SQLite and PostgreSQL.

``title_sort_key("包头稀土永磁")`` → ``"bao0001tou0002xi00001tu00003yong003ci00002"``: every Chinese
character becomes its pinyin syllable (pypinyin, phrase-aware for polyphones such as 重庆 → chong) padded
with ``0`` to six letters plus its tone digit (5 = neutral), every Latin letter or digit itself padded the
same way, punctuation and spaces are dropped.  The key has only ``[0-9a-z]`` in blocks of seven, so byte
order (SQLite), ``C`` and the usual ``en_US``/``zh_CN`` collations (PostgreSQL) all sort it alike:
syllable first, then tone; a Latin letter before the Chinese syllables that start with it (C < 擦 ca1).
"""

import unicodedata

from pypinyin import Style, lazy_pinyin

MAX_LENGTH = 255
_WIDTH = 6


def _block(syllable: str, tone: str = "0") -> str:
    return syllable[:_WIDTH].ljust(_WIDTH, "0") + tone


def title_sort_key(title: str) -> str:
    """The pinyin sort key of ``title`` (at most 255 characters, see the module docstring)."""
    text = unicodedata.normalize("NFKC", title or "")
    blocks: list[str] = []
    for item in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda chars: list(chars)):
        item = item.lower()
        if len(item) > 1 and item[-1].isdigit() and item[:-1].isalpha() and item[:-1].isascii():
            blocks.append(_block(item[:-1], item[-1]))  # a Chinese character's syllable and tone
            continue
        for char in item:  # Latin letters, digits; anything else has no place in the order
            if char.isascii() and char.isalnum():
                blocks.append(_block(char))
    return "".join(blocks)[:MAX_LENGTH]
