"""Library search: any substring of a posting's title, keywords or public text finds it, ranked.

What is indexed and how a query is read is in ``mengkeju.lib.textanalysis.search_terms`` (words in
search mode plus Chinese character unigrams and bigrams, Latin words whole; groups of the query are
ANDed, synonyms OR'ed in). This module stores the terms and asks the database:

* ``Posting.search_tokens`` holds the encoded terms, space-separated and padded:
  ``" <title and keyword terms> xqbody <public text terms> "`` (``SECTION``). ``search_tokens_of``
  computes it; every write path (services, import) stores it.
* PostgreSQL: a stored ``search_vector`` tsvector (title and keyword terms at weight A, the rest at D),
  kept by a trigger, with a GIN index (``pg_vector_ensure``: migrations ``needs/0006``,
  ``achievements/0007`` and after every ``migrate``) finds the postings; ``ts_rank`` ranks them.
* SQLite: an FTS5 table ``<table>_fts(title, body)`` kept in step with ``search_tokens`` by triggers
  (``fts_ensure``, run by the migrations and after every ``migrate``) finds them; ``bm25()`` with the
  title column weighted ``TITLE_WEIGHT`` times the body ranks them. No ``LIKE`` scan.

Synonyms: the admin's ``Synonym`` table (through ``default_analyzer()``, so a new pair applies at once in
this process and within ``VERSION_CHECK_SECONDS`` elsewhere) plus the general bilingual list
``data/search_synonyms.tsv`` (search only; see its header for provenance).
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import QuerySet

# separates the title-and-keywords terms from the rest inside search_tokens (an encoded term never
# contains it: encode_term only produces "xq" + h/p/d/s/n)
SECTION = "xqbody"
# SQLite bm25 column weight of title and keywords against the public text
TITLE_WEIGHT = 4.0


def _analyzer():
    from mengkeju.lib.textanalysis import default_analyzer  # loads the dictionary on first use only

    return default_analyzer()


def _index_text(text: str, analyzer=None) -> str:
    from mengkeju.lib.textanalysis.search_terms import index_text

    return index_text(analyzer or _analyzer(), text)


def search_tokens_from(*, heading: str, body: str, analyzer=None) -> str:
    """The value of ``search_tokens`` for a heading (title and keywords) and a public text; ``analyzer``
    defaults to ``default_analyzer()``."""
    return f" {_index_text(heading, analyzer)} {SECTION} {_index_text(body, analyzer)} "


def search_tokens_of(posting, *, analyzer=None) -> str:
    """The value of ``Posting.search_tokens``: the terms of its title and keywords, then of its public
    text (a confidential need's public summary, never its description)."""
    heading = " ".join([posting.title, " ".join(posting.keywords or ())])
    return search_tokens_from(heading=heading, body=posting.public_text(), analyzer=analyzer)


def segment_for_index(text: str) -> str:
    """The encoded terms of ``text``, space-separated (what one section of ``search_tokens`` holds)."""
    return _index_text(text)


@functools.lru_cache(maxsize=1)
def _bilingual_synonyms() -> tuple[tuple[str, str], ...]:
    from mengkeju.lib.textanalysis.dictionary import read_lines

    rows = []
    for line in read_lines("search_synonyms.tsv"):
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].strip() and parts[1].strip():
            rows.append((parts[0].strip(), parts[1].strip()))
    return tuple(rows)


_synonym_cache: dict[int, tuple[object, dict]] = {}


def search_synonyms() -> dict[str, tuple[str, ...]]:
    """Normalised term → synonyms used to widen queries: the analyser's (the ``Synonym`` table) and
    the bilingual list, merged; rebuilt whenever the analyser is."""
    from mengkeju.lib.textanalysis.dictionary import synonym_groups

    analyzer = _analyzer()
    cached = _synonym_cache.get(0)
    if cached is not None and cached[0] is analyzer:
        return cached[1]
    pairs = [(a, b) for a, bs in analyzer.synonyms.items() for b in bs]
    merged = synonym_groups([*pairs, *_bilingual_synonyms()])
    _synonym_cache[0] = (analyzer, merged)
    return merged


def query_groups(query: str) -> list[list[list[str]]]:
    """``query`` as AND of groups of OR'ed alternatives of AND'ed encoded terms (see search_terms)."""
    from mengkeju.lib.textanalysis.search_terms import query_groups as groups

    return groups(query or "", search_synonyms())


_highlight_memo: dict[int, tuple[dict, dict[str, list[str]]]] = {}
HIGHLIGHT_MEMO_SIZE = 256  # queries


def highlight_terms(query: str) -> list[str]:
    """Normalised strings to mark in results for ``query`` (synonyms included), longest first.
    Memoised per query while the synonyms stay the same object: a results page marks 20 titles and
    texts with one query, and working the terms out for each took 70 ms of a 160 ms search page at
    100k postings (cProfile; docs/benchmarks.md "Pages"). Callers must not change the list."""
    from mengkeju.lib.textanalysis.search_terms import highlight_terms as terms

    if not query or not query.strip():
        return []
    synonyms = search_synonyms()
    memo = _highlight_memo.get(0)
    if memo is None or memo[0] is not synonyms or len(memo[1]) >= HIGHLIGHT_MEMO_SIZE:
        memo = _highlight_memo[0] = (synonyms, {})
    found = memo[1].get(query)
    if found is None:
        found = memo[1][query] = terms(query, synonyms)
    return found


def query_words(query: str) -> list[str]:
    """Every encoded term the query looks up, in order, without repeats."""
    return list(dict.fromkeys(t for group in query_groups(query) for alt in group for t in alt))


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Postings matching every space-separated part of ``query`` (each part: all its character bigrams
    and Latin words, or those of a synonym variant), ordered by relevance (annotation ``search_rank``,
    higher is better), then newest. An empty query (or one of punctuation only) returns ``queryset``."""
    groups = query_groups(query)
    if not groups:
        return queryset
    if connection.vendor == "postgresql":
        return _search_postgresql(queryset, groups)
    return _search_sqlite(queryset, groups)


def _search_postgresql(queryset: QuerySet, groups) -> QuerySet:
    def quote(term):
        return "'" + term.replace("'", "''").replace("\\", "\\\\") + "'"

    raw = " & ".join(
        "(" + " | ".join("(" + " & ".join(quote(t) for t in alt) + ")" for alt in group) + ")" for group in groups
    )
    column = f'"{queryset.model._meta.db_table}"."search_vector"'
    return queryset.extra(
        select={"search_rank": f"ts_rank({column}, to_tsquery('simple', %s))"},
        select_params=[raw],
        where=[f"{column} @@ to_tsquery('simple', %s)"],
        params=[raw],
    ).order_by("-search_rank", "-published_at", "-id")


def _search_sqlite(queryset: QuerySet, groups) -> QuerySet:
    table = queryset.model._meta.db_table
    fts = f"{table}_fts"
    expression = " AND ".join(
        "(" + " OR ".join("(" + " AND ".join(f'"{t}"' for t in alt) + ")" for alt in group) + ")" for group in groups
    )
    return queryset.extra(
        select={"search_rank": f'-bm25("{fts}", {TITLE_WEIGHT}, 1.0)'},
        tables=[fts],
        where=[f'"{fts}".rowid = "{table}"."id"', f'"{fts}" MATCH %s'],
        params=[expression],
    ).order_by("-search_rank", "-published_at", "-id")


# --- the PostgreSQL stored tsvector ----------------------------------------------------------------


def pg_vector_ensure(db, table: str, *, force: bool = False) -> None:
    """PostgreSQL: the column ``search_vector`` (tsvector: title-and-keyword terms at weight A, the rest
    at D), kept by a ``BEFORE INSERT OR UPDATE OF search_tokens`` trigger, with a GIN index
    ``<table>_search_vector_gin``; rows without a vector are filled. Idempotent; a no-op elsewhere.
    Without ``force``, nothing is done when the trigger and the index exist already.
    Stored rather than computed per query, so ranking a large result reads vectors instead of parsing
    ``search_tokens`` twice per row. Replaces the expression index ``<app>_search_gin`` of the first
    migrations (dropped)."""
    if db.vendor != "postgresql":
        return
    function = f"{table}_search_vector"
    if not force:  # after every migrate and test flush: one catalogue query when all is in place
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = %s) "
                "AND EXISTS (SELECT 1 FROM pg_class WHERE relname = %s)",
                [function, f"{table}_search_vector_gin"],
            )
            if cursor.fetchone()[0]:
                return
    title = f"split_part(NEW.search_tokens, ' {SECTION} ', 1)"
    body = f"split_part(NEW.search_tokens, ' {SECTION} ', 2)"
    old_index = {"needs_technicalneed": "needs_search_gin", "achievements_achievement": "achievements_search_gin"}
    with db.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS search_vector tsvector')
        cursor.execute(
            f'CREATE OR REPLACE FUNCTION "{function}"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
            f"NEW.search_vector := setweight(to_tsvector('simple', {title}), 'A') "
            f"|| setweight(to_tsvector('simple', {body}), 'D'); RETURN NEW; END $$"
        )
        cursor.execute(f'DROP TRIGGER IF EXISTS "{function}" ON "{table}"')
        cursor.execute(
            f'CREATE TRIGGER "{function}" BEFORE INSERT OR UPDATE OF search_tokens ON "{table}" '
            f'FOR EACH ROW EXECUTE FUNCTION "{function}"()'
        )
        cursor.execute(f'CREATE INDEX IF NOT EXISTS "{table}_search_vector_gin" ON "{table}" USING gin (search_vector)')
        if table in old_index:
            cursor.execute(f'DROP INDEX IF EXISTS "{old_index[table]}"')
        cursor.execute(f'UPDATE "{table}" SET search_tokens = search_tokens WHERE search_vector IS NULL')


# --- the SQLite FTS5 index -------------------------------------------------------------------------

_TITLE_SQL = (
    "CASE WHEN instr({row}.search_tokens, ' {section} ') > 0 "
    "THEN substr({row}.search_tokens, 1, instr({row}.search_tokens, ' {section} ')) ELSE '' END"
)
_BODY_SQL = (
    "CASE WHEN instr({row}.search_tokens, ' {section} ') > 0 "
    "THEN substr({row}.search_tokens, instr({row}.search_tokens, ' {section} ') + {skip}) "
    "ELSE {row}.search_tokens END"
)


def _sections(row: str) -> tuple[str, str]:
    fmt = {"row": row, "section": SECTION, "skip": len(SECTION) + 2}
    return _TITLE_SQL.format(**fmt), _BODY_SQL.format(**fmt)


def fts_ensure(db, table: str) -> bool:
    """Create ``<table>_fts`` and its triggers on SQLite if missing (a no-op elsewhere); refill it when
    its row count differs from the table's (after a table was rebuilt by a migration, which drops the
    triggers). ``db`` is a Django connection; returns True when the index was (re)filled.

    The FTS5 table is contentless (``content=''``: the text is in ``search_tokens`` already; a delete
    passes the old values, which the triggers have). Positions stay (``detail=full``): with
    ``detail=column`` FTS5's bm25() has no term frequencies and ranks every match 0."""
    if db.vendor != "sqlite":
        return False
    fts = f"{table}_fts"
    new_title, new_body = _sections("new")
    old_title, old_body = _sections("old")
    delete_old = (
        f'INSERT INTO "{fts}"("{fts}", rowid, title, body) VALUES (\'delete\', old.id, {old_title}, {old_body}); '
    )
    insert_new = f'INSERT INTO "{fts}"(rowid, title, body) VALUES (new.id, {new_title}, {new_body}); '
    with db.cursor() as cursor:
        cursor.execute(
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5(title, body, '
            "content = '', tokenize = 'unicode61 remove_diacritics 0')"
        )
        cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{fts}_ai" AFTER INSERT ON "{table}" BEGIN {insert_new}END')
        cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{fts}_ad" AFTER DELETE ON "{table}" BEGIN {delete_old}END')
        cursor.execute(
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_au" AFTER UPDATE OF id, search_tokens ON "{table}" '
            f"BEGIN {delete_old}{insert_new}END"
        )
        cursor.execute(f'SELECT (SELECT count(*) FROM "{fts}_docsize"), (SELECT count(*) FROM "{table}")')
        indexed, rows = cursor.fetchone()
        if indexed == rows:
            return False
        row_title, row_body = _sections(f'"{table}"')
        cursor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'delete-all\')')
        cursor.execute(f'INSERT INTO "{fts}"(rowid, title, body) SELECT id, {row_title}, {row_body} FROM "{table}"')
        return True
