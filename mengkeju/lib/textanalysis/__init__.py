"""Text analysis shared by library search, the matcher and import: one place that turns text into words.

The package, file by file (read them in this order):

* ``normalize``    — ``normalize(text)``: the one normalisation every path calls;
* ``chars``        — character classes (Han, Latin words);
* ``dictionary``   — data files: domain dictionary (jieba), stopwords, the starter synonym list;
* ``tokenize``     — ``Segmenter``: text → words (``tokens``), words inside compounds (``subwords``);
* ``search_terms`` — what library search indexes and looks up;
* ``analyzer``     — ``Analyzer``: segmentation + synonyms + the matcher's weighted features;
* ``default``      — the process-wide analyser (``default_analyzer``), rebuilt when synonyms change.

No Django here. jieba is loaded lazily on first use, never at import.
"""

from __future__ import annotations

from .analyzer import FIELD_WEIGHTS, SINGLE_CHAR_FACTOR, SUBWORD_FACTOR, SYNONYM_FACTOR, Analyzer
from .default import default_analyzer, register_synonym_source, reset_default_analyzer
from .dictionary import DATA_DIR, MIN_SUBWORD_FREQ, seed_synonyms, starter_synonyms, unseed_synonyms
from .normalize import normalize, normalize_name
from .tokenize import Segmenter, bigrams

__all__ = [
    "DATA_DIR",
    "FIELD_WEIGHTS",
    "MIN_SUBWORD_FREQ",
    "SINGLE_CHAR_FACTOR",
    "SUBWORD_FACTOR",
    "SYNONYM_FACTOR",
    "Analyzer",
    "Segmenter",
    "bigrams",
    "default_analyzer",
    "normalize",
    "normalize_name",
    "register_synonym_source",
    "reset_default_analyzer",
    "seed_synonyms",
    "starter_synonyms",
    "unseed_synonyms",
]
