"""Library search: Chinese text is segmented in Python and stored as space-separated words.

On PostgreSQL the words are indexed with the ``simple`` text-search configuration (GIN index over
``to_tsvector('simple', search_tokens)``) and results are ranked; on SQLite each word is looked up
with a word-boundary LIKE.  Both find the same postings: those containing every query word.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet

SEARCH_VECTOR = SearchVector("search_tokens", config="simple")


def _analyzer():
    from mengkeju.lib.textanalysis import default_analyzer  # loads the dictionary on first use only

    return default_analyzer()


def segment_for_index(text: str) -> str:
    """Every word, repeats kept: PostgreSQL's ts_rank counts how often a query word occurs."""
    return " ".join(_analyzer().search_tokens(text))


def search_tokens_of(posting) -> str:
    """The value of ``Posting.search_tokens``: its public text's words, padded with spaces so the SQLite
    fallback can match whole words with ``LIKE '% word %'``."""
    return f" {segment_for_index(posting.searchable_text())} "


def query_words(query: str) -> list[str]:
    return list(dict.fromkeys(_analyzer().tokens(query)))


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Postings containing every word of ``query``; ranked by relevance on PostgreSQL."""
    words = query_words(query)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        ts_query = SearchQuery(" & ".join(_quote(word) for word in words), search_type="raw", config="simple")
        return (
            queryset.annotate(search_rank=SearchRank(SEARCH_VECTOR, ts_query))
            .alias(_match=SEARCH_VECTOR)
            .filter(_match=ts_query)
            .order_by(F("search_rank").desc(), "-published_at", "-id")
        )
    for word in words:
        queryset = queryset.filter(search_tokens__contains=f" {word} ")
    return queryset


def _quote(word: str) -> str:
    return "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"
