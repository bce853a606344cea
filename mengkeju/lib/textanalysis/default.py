"""The process-wide analyser, rebuilt when the registered synonym source changes.

Synonyms come from a loader registered with ``register_synonym_source`` (the matching app registers one
reading the ``Synonym`` table); without one, the starter list in ``data/synonyms.tsv`` is used.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from .analyzer import Analyzer
from .dictionary import starter_synonyms

__all__ = ["default_analyzer", "register_synonym_source", "reset_default_analyzer"]

logger = logging.getLogger(__name__)

_source_loader: Callable[[], Iterable[tuple[str, ...]]] | None = None
_source_version: Callable[[], object] | None = None
_default: Analyzer | None = None
_default_version: object = None
_checked_at = 0.0
_default_lock = threading.Lock()
VERSION_CHECK_SECONDS = 30.0


def register_synonym_source(
    loader: Callable[[], Iterable[tuple[str, ...]]], version: Callable[[], object] | None = None
):
    """Where ``default_analyzer()`` reads synonyms; ``version()`` (cheap) tells it when to reload."""
    global _source_loader, _source_version
    _source_loader, _source_version = loader, version
    reset_default_analyzer()


def reset_default_analyzer() -> None:
    global _default, _default_version, _checked_at
    with _default_lock:
        _default, _default_version, _checked_at = None, None, 0.0


def default_analyzer() -> Analyzer:
    """The process-wide analyser; rebuilt when the registered synonym source reports a new version."""
    global _default, _default_version, _checked_at
    with _default_lock:
        now = time.monotonic()
        if _default is not None and (_source_version is None or now - _checked_at < VERSION_CHECK_SECONDS):
            return _default
        version = None
        if _source_version is not None:
            try:
                version = _source_version()
            except Exception:  # the table may not exist yet (before migrate); keep what we have
                logger.debug("synonym version check failed", exc_info=True)
                version = _default_version
            _checked_at = now
        if _default is None or version != _default_version:
            if _source_loader is not None:
                try:
                    synonyms = list(_source_loader())
                except Exception:
                    logger.warning("synonym loader failed; using the starter list", exc_info=True)
                    synonyms = starter_synonyms()
            else:
                synonyms = starter_synonyms()
            _default, _default_version = Analyzer(synonyms), version
        return _default
