"""Character classes shared by tokenisation and the dictionary: Han (CJK ideographs) and Latin words."""

from __future__ import annotations

import re

# CJK Unified Ideographs, Extension A, Compatibility Ideographs
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A latin/greek/digit word, possibly with inner joiners: pet, 5g, co2, cuo-zno-zro2, sio2/si3n4, li-ion,
# ca19-9; and the programming-language suffixes that make a different word: c++, c# (not c).
LATIN = r"[0-9a-zα-ω]+(?:[-+./][0-9a-zα-ω]+)*(?:\+\+|#)?"
LATIN_RE = re.compile(LATIN)
LATIN_CHAR_RE = re.compile(r"[0-9a-zα-ω]")
HAN_RE = re.compile(rf"[{HAN}]")
