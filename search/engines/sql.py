# ruff: noqa: S608 -- statements are put together from constants and model metadata; every
# value (words, filter values, limits) is a parameter.
"""The database engine's SQL: one statement per search, one per autocomplete.

A search's statement matches the words through Wagtail's index (PostgreSQL full text, or
SQLite FTS5), ranks the filtered matches for the one page shown (ORDER BY … LIMIT/OFFSET),
and counts the total and every facet by GROUP BY over all the matching rows: only the page's
ids and the counts leave the database. Its results are those of the engine's Python path
(`search.facets` over the backend's ranking): tests/search/test_database_engine.py holds the
two together.

- Relevance is the backend's own: the query text goes through modelsearch's query compiler
  (the same tsquery, or FTS5 MATCH string), the rank is its expression (PostgreSQL:
  ts_rank of the title times the title's norm, plus ts_rank of the body; SQLite: bm25), and
  ties go to the newest entry (the highest id), as the backend orders them. On PostgreSQL
  the tsquery is built once per statement, not once per ranked row.
- Facets as `search.facets` defines them: values of one facet OR, facets AND; each facet
  counted over the matches passing every other facet's filter. "kind" and "language" are
  columns; the others are read from `GuidanceEntry.facets` (lists of strings; a single
  string or number is one value; numbers count as their text; blanks and nulls are none).
  Entries share their facet values (the lessons of a module carry the module's), so the
  JSON is read once per distinct set of values, not once per match (on PostgreSQL, never:
  each set's values are rows kept by its key, migration 0007).
- One word on PostgreSQL (most searches): the counts per set, type and language are rows
  kept per word (migration 0009), and when sorted by relevance the page is ranked among the
  matches with the word in their title if it is certainly there; only otherwise is every
  match read.

Only the database vendors below have a statement; the engine keeps its Python path for the
others (Wagtail's fallback backend).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connections, router, transaction
from modelsearch.conf import get_app_config
from modelsearch.utils import get_descendants_content_types_pks

from ..models import GuidanceEntry
from .base import FACETS, SORT_NEWEST

COLUMN_FACETS = ("kind", "language")
JSON_FACETS = tuple(facet for facet in FACETS if facet not in COLUMN_FACETS)
# PostgreSQL's rows of each set of facet values (migration 0007).
SET_VALUES = "guidance_search_facet_set_value"
MATCHES = "guidance_search_match"  # migration 0008
WORD_GROUPS = "guidance_search_word_group"  # migration 0009
WORDS = "guidance_search_words(g.title_vector, g.body_vector)"  # migration 0003
TITLE_RANK = "(ts_rank((%s)::float4[], g.title_vector, tsq.q) * g.title_norm)"
# The text of a tsquery that is one plain lexeme (no weight, no prefix), the lexeme captured;
# one with a quote or a backslash in it is left to the general path.
ONE_LEXEME = r"^'([^'\\]*)'$"


@dataclass(frozen=True)
class FacetedRows:
    """What one search statement answers."""

    total: int  # matches passing every filter
    matched: int  # matches before any filter
    ids: tuple[int, ...]  # the page, in order
    facets: dict[str, dict[str, int]]  # facet -> {value: count}, most frequent first


class Fragment:
    """SQL text and its parameters, put together in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list = []

    def add(self, sql: str, *params) -> Fragment:
        self.parts.append(sql)
        self.params.extend(params)
        return self

    def sql(self) -> str:
        return "".join(self.parts)


def _placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


class Dialect:
    """What differs between the vendors: matching, ranking, reading JSON facets."""

    # Higher ranks first (PostgreSQL's ts_rank) or lower scores first (SQLite's bm25).
    relevance_order = "DESC"
    # Ends a subquery the planner must plan on its own (PostgreSQL: OFFSET 0).
    fence = ""
    # Planner settings for the search statement alone (SET LOCAL): see PostgresDialect.
    planner_settings: tuple[tuple[str, str], ...] = ()
    # What an entry's set of facet values is grouped and joined on: the JSON itself, or a
    # number that stands for it (PostgreSQL: migration 0006).
    facets_key = "g.facets"
    # Whether the database keeps each set's values as rows by the set's key (PostgreSQL:
    # migration 0007), or they are read out of an entry's JSON. Such a dialect also builds
    # the statement's groups itself (`add_groups`).
    keeps_set_values = False

    def __init__(self, backend, connection):
        self.backend = backend
        self.connection = connection
        self.quote = connection.ops.quote_name
        index_entry = get_app_config().get_model("IndexEntry")
        self.entries = self.quote(GuidanceEntry._meta.db_table)
        self.index = self.quote(index_entry._meta.db_table)
        self.content_types = list(get_descendants_content_types_pks(GuidanceEntry))

    def _query_compiler(self, text: str, *, autocomplete: bool = False):
        """modelsearch's own query compiler for the text (all words must match)."""
        compiler_class = (
            self.backend.autocomplete_query_compiler_class
            if autocomplete
            else self.backend.query_compiler_class
        )
        return compiler_class(GuidanceEntry.objects.all(), text, operator="and")

    def _compiled(self, expression) -> tuple[str, list]:
        compiler = GuidanceEntry.objects.none().query.get_compiler(connection=self.connection)
        sql, params = compiler.compile(expression)
        return sql, list(params)

    def entry_join(self, index_alias: str) -> str:
        """Join condition from an index row to its entry: the object id is the entry's key
        as text, cast back to the key so that each is one look-up in the key's index."""
        types = ", ".join(str(int(pk)) for pk in self.content_types)
        return (
            f"g.id = CAST(CASE WHEN {index_alias}.content_type_id IN ({types}) "
            f"THEN {index_alias}.object_id END AS integer)"
        )

    # Per vendor:
    def matches(self, text: str) -> Fragment:
        """A SELECT of the entries matching the words: id, kind, language, fkey (the set of
        facet values: `facets_key`) and published_at, and what the vendor ranks with."""
        raise NotImplementedError

    def add_groups(self, statement: Fragment, text: str, name: str) -> None:
        """Where `keeps_set_values`: add the statement's first CTEs, ending with `name`, the
        matches counted per set of facet values, type and language (fkey, kind, language,
        n), and `m`, the matches `add_page` reads."""
        raise NotImplementedError

    def add_page(
        self,
        statement: Fragment,
        text: str,
        source: Callable[..., str],
        passing: Fragment | None,
        *,
        sort: str,
        order: str,
        offset: int,
        limit: int,
    ) -> None:
        """Add the CTE `page` (id, published_at, relevance): the page, in `order`, of the
        matches that pass every filter (`FROM {source("m")} WHERE {passing}`: `source` gives
        a relation of matches as m, with what `passing` reads; `passing` None: no filter,
        every match)."""
        raise NotImplementedError

    def facet_values(self, facets: str, facet: str) -> tuple[str, str, str]:
        """(FROM item, value expression, condition): one row per value of `facet` in the
        JSON object `facets` (both SQL expressions without parameters)."""
        raise NotImplementedError

    def autocomplete(self, text: str, limit: int) -> Fragment:
        """A SELECT of (id, kind, title, url, language) of the entries whose title completes
        the words, in the backend's order, at most `limit`."""
        raise NotImplementedError

    def set_values(self, facets: Sequence[str]) -> str:
        """A SELECT of (fid, facet, value): each value of the JSON facets `facets` in each
        set of `fs`, once. Read out of each set's JSON."""
        items, value, condition = self.facet_values("fs.facets", "k.facet")
        names = " UNION ALL ".join(f"SELECT '{facet}' AS facet" for facet in facets)
        return (
            f"SELECT DISTINCT fs.fid, k.facet, {value} AS value "
            f"FROM fs CROSS JOIN ({names}) k CROSS JOIN {items} WHERE {condition}"
        )


class PostgresDialect(Dialect):
    fence = " OFFSET 0"
    # The statement reads its matches from one table, the narrow copy of the entries'
    # columns it needs (migration 0008), and must read it through the GIN index of their
    # words: for a word most entries contain, the planner (which charges the
    # index path for re-testing each row it finds, a test GIN's exact answers never need)
    # would otherwise read every entry and test the words on each (100 ms on the
    # benchmark's 10,000 entries, against 10). No JIT: what a disabled path costs on paper
    # must not make the statement worth compiling.
    planner_settings = (("enable_seqscan", "off"), ("jit", "off"))
    # A 64-bit hash of the facets' canonical text, kept by PostgreSQL (migration 0006, copied
    # to the matches' table by 0008): grouping the matches by it costs a fraction of hashing
    # and comparing each one's JSON.
    facets_key = "g.fkey"
    keeps_set_values = True

    def __init__(self, backend, connection):
        super().__init__(backend, connection)
        # Each text's compiled tsquery: a statement puts it in three places.
        self._tsqueries: dict[tuple[str, bool], tuple[str, list]] = {}

    def _tsquery(self, text: str, *, autocomplete: bool = False) -> tuple[str, list]:
        compiled = self._tsqueries.get((text, autocomplete))
        if compiled is None:
            compiler = self._query_compiler(text, autocomplete=autocomplete)
            config = compiler.get_config(self.backend)
            tsquery = compiler.build_tsquery(compiler.query, config=config)
            compiled = ("NULL::tsquery", []) if tsquery is None else self._compiled(tsquery)
            self._tsqueries[text, autocomplete] = compiled
        sql, params = compiled
        return sql, list(params)

    @property
    def weights(self) -> str:
        from modelsearch.backends.database.postgres.weights import get_sql_weights

        return get_sql_weights()  # what modelsearch's query compiler ranks with

    def matches(self, text: str) -> Fragment:
        """Every match, with its title's rank (t). Needs the statement's `tsq`
        (`add_groups`)."""
        tsquery, params = self._tsquery(text)
        # Each entry's copy of its index row's vectors and title norm (migration 0004: kept
        # by a trigger on modelsearch's table), read from the narrow table of the columns
        # the statement needs (0008: a row per entry, kept by a trigger on the entries),
        # whose pages a common word's thousands of matches visit instead of the entries'
        # wide ones; modelsearch's `title || body` through the function migration 0003
        # prices, and its GIN index: looked up in the index whatever the word's frequency.
        # With each title's rank (the title is short and in the row; the tsquery built
        # once), which the page is chosen by (`add_page`).
        return Fragment().add(
            f"SELECT g.id, g.kind, g.language, {self.facets_key} AS fkey, g.published_at, "
            f"g.body_vector, {TITLE_RANK} AS t FROM tsq CROSS JOIN {MATCHES} g "
            f"WHERE {WORDS} @@ {tsquery}",
            self.weights,
            *params,
        )

    def add_groups(self, statement: Fragment, text: str, name: str) -> None:
        """Add the CTEs `tsq` (the words' tsquery, built once), `lx` (its lexeme when it is
        one plain word, else NULL), `m` (every match: `matches`) and `name`: the matches
        counted per set of facet values, type and language (fkey, kind, language, n). For
        one word, the counts kept by migration 0009; else counted over m. PostgreSQL
        computes a CTE only when something reads it: for one word m is read only when the
        page is not among the title matches (`add_page`)."""
        tsquery, params = self._tsquery(text)
        statement.add(f"tsq AS MATERIALIZED (SELECT {tsquery} AS q)", *params)
        statement.add(
            ", lx AS MATERIALIZED (SELECT substring(CAST(q AS text) FROM %s) AS lexeme FROM tsq)",
            ONE_LEXEME,
        )
        matches = self.matches(text)
        statement.add(", m AS MATERIALIZED (").add(matches.sql(), *matches.params).add(")")
        statement.add(
            f", {name} AS MATERIALIZED (SELECT w.fkey, w.kind, w.language, w.n "
            f"FROM {WORD_GROUPS} w WHERE w.lexeme = (SELECT lexeme FROM lx) UNION ALL "
            "SELECT fkey, kind, language, COUNT(*) FROM m WHERE (SELECT lexeme FROM lx) IS NULL "
            "GROUP BY fkey, kind, language)"
        )

    @staticmethod
    @functools.cache
    def body_rank_bounds() -> tuple[float, float]:
        """More than ts_rank can give a body: (for one word, for several). PostgreSQL's
        ts_rank (tsrank.c, no normalisation) ranks one word below (1 + 1.645) / 1.645 times
        the weight of its heaviest position (at most that weight when all positions weigh
        the same), and several words below 1 when all must match, or 1.61 times the heaviest
        weight when any may. modelsearch writes the body with the weights of the model's
        search fields other than the title. Twice those, for rounding."""
        from modelsearch.backends.database.postgres.weights import WEIGHTS_VALUES, get_weight
        from modelsearch.index import SearchField

        weights = list(WEIGHTS_VALUES) or [1.0]  # D, C, B, A
        labels = {
            get_weight(field.boost)
            for field in GuidanceEntry.get_search_fields()
            if isinstance(field, SearchField) and field.field_name != "title"
        }
        body = [weights["DCBA".index(label)] for label in labels if label in "DCBA"]
        return 2 * 1.61 * max(body or weights), 2 * 1.61 * max(1.0, *weights)

    def add_page(self, statement, text, source, passing, *, sort, order, offset, limit):
        """Only the page is ranked. The title's rank (a short vector, in the row) comes with
        every match (`matches`); the body's (a long vector, stored apart) only where it can
        change the page: the body adds less than `body_rank_bounds` to the rank, so a match
        whose title ranks that much below the page's last title cannot reach the page.
        Newest first: only the matches as new as the page's last one are ranked. Either way
        the page, and its order, are those of ranking every match."""
        tsquery, params = self._tsquery(text)
        weights = "(%s)::float4[]"
        position = max(offset + limit - 1, 0)  # the page's last row
        one_word, several = self.body_rank_bounds()
        columns = "m.id, m.published_at, m.body_vector, m.t"
        by_title = sort != SORT_NEWEST
        only_if = ""
        if by_title:
            # tp: the matches with the word in their title, passing the filters (the title
            # GIN index of migration 0009). The page is among them when they are more than
            # its rows and its last one's title ranks above `one_word`: a match without the
            # word in its title ranks 0 there and less than that in all.
            title_matches = (
                f"(SELECT g.id, g.kind, g.language, g.fkey, g.published_at, g.body_vector, "
                f"{TITLE_RANK} AS t FROM tsq CROSS JOIN {MATCHES} g "
                "WHERE (SELECT lexeme FROM lx) IS NOT NULL AND g.body_vector IS NOT NULL "
                f"AND g.title_vector @@ {tsquery})"
            )
            statement.add(
                f", tp AS MATERIALIZED (SELECT {columns} FROM {source(title_matches)}",
                self.weights,
                *params,
            )
            if passing is not None:
                statement.add(" WHERE ").add(passing.sql(), *passing.params)
            statement.add(
                "), by_title AS MATERIALIZED (SELECT (SELECT lexeme FROM lx) IS NOT NULL AND "
                "COALESCE((SELECT t FROM tp ORDER BY t DESC OFFSET %s LIMIT 1), 0) "
                "> CAST(%s AS double precision) AS ok)",
                position,
                one_word,
            )
            only_if = "NOT (SELECT ok FROM by_title)"
        # The matches ranked: all of them (m), or those passing the filters; or the title
        # matches (tp) when the page is among them.
        ranked = "m"
        if by_title or passing is not None:
            ranked = "pt"
            statement.add(", pt AS NOT MATERIALIZED (" if by_title else ", pt AS MATERIALIZED (")
            if by_title:
                statement.add(
                    "SELECT id, published_at, body_vector, t FROM tp "
                    "WHERE (SELECT ok FROM by_title) UNION ALL "
                )
            statement.add(f"SELECT {columns} FROM {source('m')} WHERE ")
            if by_title:
                statement.add(f"{only_if} AND ")
            if passing is not None:
                statement.add(passing.sql(), *passing.params)
            else:
                statement.add("1 = 1")
            statement.add(")")
        body_rank = f"(ts_rank({weights}, {ranked}.body_vector, tsq.q) * %s)"
        relevance = Fragment().add(f"{ranked}.t + {body_rank}", self.weights, 1.0)
        if sort == SORT_NEWEST:
            undated = f"(CASE WHEN {ranked}.published_at IS NULL THEN 1 ELSE 0 END)"
            statement.add(
                f", kth AS (SELECT {undated} AS k1, published_at AS kd FROM {ranked} "
                f"ORDER BY {undated}, published_at DESC OFFSET %s LIMIT 1)",
                position,
            )
            bound = Fragment().add(
                "NOT EXISTS (SELECT 1 FROM kth) OR EXISTS (SELECT 1 FROM kth WHERE "
                f"{undated} < kth.k1 OR ({undated} = kth.k1 "
                f"AND (kth.k1 = 1 OR {ranked}.published_at >= kth.kd)))"
            )
        else:
            bound = Fragment().add(
                f"{ranked}.t + CASE WHEN numnode(tsq.q) = 1 THEN CAST(%s AS double precision) "
                "ELSE CAST(%s AS double precision) END "
                f">= COALESCE((SELECT t FROM {ranked} ORDER BY t DESC OFFSET %s LIMIT 1), 0)",
                one_word,
                several,
                position,
            )
        statement.add(
            f", page AS (SELECT {ranked}.id AS id, {ranked}.published_at AS published_at, "
        )
        statement.add(relevance.sql(), *relevance.params)
        statement.add(f" AS relevance FROM {ranked} CROSS JOIN tsq WHERE ")
        statement.add(bound.sql(), *bound.params)
        statement.add(f" ORDER BY {order} LIMIT %s OFFSET %s)", limit, offset)

    def facet_values(self, facets: str, facet: str) -> tuple[str, str, str]:
        raw = f"({facets} -> {facet})"
        listed = (
            f"CASE jsonb_typeof({raw}) WHEN 'array' THEN {raw} "
            f"WHEN 'string' THEN jsonb_build_array({raw}) "
            f"WHEN 'number' THEN CASE WHEN {raw} <> '0'::jsonb THEN jsonb_build_array({raw}) END "
            "END"
        )
        return (
            f"jsonb_array_elements({listed}) AS e(v)",
            "(e.v #>> '{}')",
            "jsonb_typeof(e.v) IN ('string', 'number') AND (e.v #>> '{}') <> ''",
        )

    def set_values_of(self, key: str, facet: str) -> str:
        """FROM … WHERE of the values (`v.value`) of `facet` in the set whose key is `key`,
        as PostgreSQL keeps them (migration 0007: the rows `facet_values` gives, written
        once per set by a trigger on the entries)."""
        return f"{SET_VALUES} v WHERE v.fkey = {key} AND v.facet = '{facet}'"

    def autocomplete(self, text: str, limit: int) -> Fragment:
        tsquery, params = self._tsquery(text, autocomplete=True)
        # modelsearch's autocomplete rank: ts_rank of the title's prefixes, times 1.0.
        rank = "(ts_rank((%s)::float4[], ie.autocomplete, tsq.q) * %s)"
        return Fragment().add(
            f"SELECT g.id, g.kind, g.title, g.url, g.language FROM {self.index} ie "
            f"JOIN {self.entries} g ON {self.entry_join('ie')} "
            f"CROSS JOIN (SELECT {tsquery} AS q OFFSET 0) tsq "
            f"WHERE ie.content_type_id IN ({_placeholders(self.content_types)}) "
            f"AND ie.autocomplete @@ {tsquery} "
            f"ORDER BY {rank} DESC, g.id DESC LIMIT %s",
            *params,
            *self.content_types,
            *params,
            self.weights,
            1.0,
            limit,
        )


class SQLiteDialect(Dialect):
    relevance_order = "ASC"

    def _match(self, text: str, *, autocomplete: bool = False) -> tuple[str, list]:
        from modelsearch.backends.database.sqlite.query import MatchExpression, normalize

        compiler = self._query_compiler(text, autocomplete=autocomplete)
        query = compiler.build_search_query(
            normalize(compiler.query), config=compiler.get_config(self.backend)
        )
        if query is None:
            return "0", []
        match = MatchExpression(compiler.fields or compiler.FTS_TABLE_FIELDS, query)
        compiler = GuidanceEntry.objects.none().query.get_compiler(connection=self.connection)
        sql, params = match.as_sql(compiler, self.connection)
        return sql, list(params)

    @property
    def fts(self) -> str:
        return self.quote(get_app_config().get_model("SQLiteFTSIndexEntry")._meta.db_table)

    def _scored(self, text: str, *, autocomplete: bool = False) -> Fragment:
        """Object ids of the index rows matching the text, with modelsearch's bm25 score
        (search: times the title's norm, plus itself; autocomplete: times 1.0)."""
        match, params = self._match(text, autocomplete=autocomplete)
        score = (
            f"(bm25({self.fts}) * %s)"
            if autocomplete
            else f"((bm25({self.fts}) * ie.title_norm) + (bm25({self.fts}) * %s))"
        )
        return Fragment().add(
            f"SELECT ie.content_type_id, ie.object_id, {score} AS score FROM {self.fts} "
            f"JOIN {self.index} ie ON ie.id = {self.fts}.rowid WHERE {match} "
            f"AND ie.content_type_id IN ({_placeholders(self.content_types)})",
            1.0,
            *params,
            *self.content_types,
        )

    def matches(self, text: str) -> Fragment:
        scored = self._scored(text)
        return (
            Fragment()
            .add(
                f"SELECT g.id, g.kind, g.language, {self.facets_key} AS fkey, g.published_at, "
                "s.score FROM ("
            )
            .add(scored.sql(), *scored.params)
            .add(f") s JOIN {self.entries} g ON {self.entry_join('s')}")
        )

    def add_page(self, statement, text, source, passing, *, sort, order, offset, limit):
        # bm25 comes with the match (FTS5 works it out for every match it finds).
        statement.add(
            ", page AS (SELECT m.id AS id, m.published_at AS published_at, m.score AS relevance"
        )
        statement.add(f" FROM {source('m')}")
        if passing is not None:
            statement.add(" WHERE ").add(passing.sql(), *passing.params)
        statement.add(f" ORDER BY {order} LIMIT %s OFFSET %s)", limit, offset)

    def facet_values(self, facets: str, facet: str) -> tuple[str, str, str]:
        path = f"('$.' || {facet})"
        return (
            f"json_each({facets}, {path}) AS e",
            "CAST(e.value AS TEXT)",
            # Strings and numbers, each element of a list or a single one; a single zero is
            # no value (as in Python); objects are no values.
            f"e.type IN ('text', 'integer', 'real') AND CAST(e.value AS TEXT) <> '' "
            f"AND json_type({facets}, {path}) <> 'object' "
            f"AND NOT (json_type({facets}, {path}) IN ('integer', 'real') AND e.value = 0)",
        )

    def autocomplete(self, text: str, limit: int) -> Fragment:
        scored = self._scored(text, autocomplete=True)
        return (
            Fragment()
            .add("SELECT g.id, g.kind, g.title, g.url, g.language FROM (")
            .add(scored.sql(), *scored.params)
            .add(
                f") s JOIN {self.entries} g ON {self.entry_join('s')} "
                "ORDER BY s.score ASC, g.id DESC LIMIT %s",
                limit,
            )
        )


DIALECTS = {"postgresql": PostgresDialect, "sqlite": SQLiteDialect}


def dialect_for(backend) -> Dialect | None:
    """The statement builder for the backend's database, or None (then the engine keeps its
    Python path): PostgreSQL full text, or SQLite with FTS5."""
    connection = connections[router.db_for_read(GuidanceEntry)]
    name = type(backend).__module__
    if connection.vendor == "postgresql" and name.endswith(".postgres.postgres"):
        return PostgresDialect(backend, connection)
    if connection.vendor == "sqlite" and name.endswith(".sqlite.sqlite"):
        return SQLiteDialect(backend, connection)
    return None


# --- the search statement ---------------------------------------------------------------


def _wanted(filters: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """The filtered facets (known ones, with at least one value) and their values. A blank
    value can match nothing (no entry has a blank value), yet it still filters."""
    return {
        facet: tuple(dict.fromkeys(value for value in filters[facet] if value))
        for facet in FACETS
        if filters.get(facet)
    }


def _flag(wanted: tuple[str, ...], value_sql: str, fragment: Fragment) -> Fragment:
    """`value_sql` is one of the wanted values (never, when only a blank was wanted)."""
    if wanted:
        return fragment.add(f"{value_sql} IN ({_placeholders(wanted)})", *wanted)
    return fragment.add("1 = 0")


def search_statement(
    dialect: Dialect,
    text: str,
    filters: Mapping[str, Sequence[str]],
    *,
    sort: str,
    offset: int,
    limit: int,
) -> Fragment:
    """One statement whose rows are ("matched" | "total", n), ("facet", facet, value, n) and
    ("hit", id, position).

    m: the matches. groups: the matches counted per type, language and set of facet values
    (its key: `Dialect.facets_key`), with one entry of each. fs: each distinct set, numbered
    (fid), its JSON read from that entry, with the JSON facets' filters as 1/0 flags; gs: the
    groups with their set's number and flags; fv: each set's values, each once, by number.
    Where the database keeps each set's values by its key (`Dialect.keeps_set_values`), no
    JSON is read: fs (only when a JSON facet is filtered) has the flags of each set's key,
    read from those rows, gs the groups with their key and flags (the groups themselves
    when nothing needs a flag), and the values are joined by key. The counts come from gs;
    the page is ranked among the matches passing every filter.
    """
    wanted = _wanted(filters)
    flag_of = {facet: f"p_{index}" for index, facet in enumerate(FACETS)}
    json_filtered = [facet for facet in wanted if facet in JSON_FACETS]
    statement = Fragment()

    set_flags = "".join(f", fs.{flag_of[facet]}" for facet in json_filtered)
    if dialect.keeps_set_values:
        # The sets' values are rows the database keeps by the set's key: the flags and the
        # counts read them by key, and no entry's JSON is read. The groups come first (the
        # matches, when the page needs them, come with it: `add_page`).
        groups = "gs" if not json_filtered else "groups"
        statement.add("WITH ")
        dialect.add_groups(statement, text, groups)
        if json_filtered:
            statement.add(", fs AS MATERIALIZED (SELECT d.fkey")
            for facet in json_filtered:
                statement.add(", CASE WHEN EXISTS (SELECT 1 FROM ")
                statement.add(dialect.set_values_of("d.fkey", facet)).add(" AND ")
                _flag(wanted[facet], "v.value", statement)
                statement.add(f") THEN 1 ELSE 0 END AS {flag_of[facet]}")
            statement.add(" FROM (SELECT DISTINCT fkey FROM groups) d)")
            statement.add(
                ", gs AS MATERIALIZED (SELECT groups.kind, groups.language, groups.n, "
                f"groups.fkey{set_flags} FROM groups JOIN fs ON fs.fkey = groups.fkey)"
            )
    else:
        matches = dialect.matches(text)
        statement.add("WITH m AS MATERIALIZED (").add(matches.sql(), *matches.params).add(")")
        statement.add(
            ", groups AS MATERIALIZED (SELECT fkey, kind, language, COUNT(*) AS n, "
            "MIN(id) AS one FROM m GROUP BY fkey, kind, language)"
        )
        statement.add(", fs AS MATERIALIZED (SELECT ROW_NUMBER() OVER () AS fid, d.fkey, e.facets")
        for facet in json_filtered:
            items, value, condition = dialect.facet_values("e.facets", f"'{facet}'")
            statement.add(f", CASE WHEN EXISTS (SELECT 1 FROM {items} WHERE {condition} AND ")
            _flag(wanted[facet], value, statement)
            statement.add(f") THEN 1 ELSE 0 END AS {flag_of[facet]}")
        statement.add(
            " FROM (SELECT fkey, MIN(one) AS one FROM groups GROUP BY fkey) d "
            f"JOIN {dialect.entries} e ON e.id = d.one)"
        )
        statement.add(
            ", gs AS MATERIALIZED (SELECT groups.kind, groups.language, groups.n, fs.fid"
            f"{set_flags} FROM groups JOIN fs ON fs.fkey = groups.fkey)"
        )
        statement.add(f", fv AS ({dialect.set_values(JSON_FACETS)})")

    def passes(alias: str, fragment: Fragment, but: str | None = None, sets="fs") -> Fragment:
        """The condition that a row of `alias` passes every filter (except `but`'s): the
        columns' filters on the row, the JSON facets' flags of its set of values (`sets`)."""
        fragment.add("1 = 1")
        for facet in wanted:
            if facet != but and facet in COLUMN_FACETS:
                _flag(wanted[facet], f"{alias}.{facet}", fragment.add(" AND "))
        flags = [f"{sets}.{flag_of[facet]} = 1" for facet in json_filtered if facet != but]
        if flags:
            fragment.add(" AND " + " AND ".join(flags))
        return fragment

    # The page: ranked among the filtered matches only, cut in SQL.
    page = limit > 0
    order = f"relevance {dialect.relevance_order}, id DESC"
    if sort == SORT_NEWEST:
        order = "CASE WHEN published_at IS NULL THEN 1 ELSE 0 END, published_at DESC, " + order
    if page:

        def source(relation: str) -> str:
            """The rows of `relation` (matches) as m, with their sets' flags when a JSON facet
            is filtered. The fence keeps the filters out of this join: estimated to keep one
            set, PostgreSQL would read the matches once per set kept rather than hash them."""
            if not json_filtered:
                return relation if relation == "m" else f"{relation} m"
            flags = "".join(f", fs.{flag_of[facet]}" for facet in json_filtered)
            fence = dialect.fence
            return f"(SELECT m.*{flags} FROM {relation} m JOIN fs ON fs.fkey = m.fkey{fence}) m"

        dialect.add_page(
            statement,
            text,
            source,
            passes("m", Fragment(), sets="m") if wanted else None,
            sort=sort,
            order=order,
            offset=offset,
            limit=limit,
        )

    # The rows: the counts, the facet counts, the page.
    statement.add(" SELECT 'matched' AS part, '' AS facet, '' AS value, COALESCE(SUM(n), 0) AS n")
    statement.add(", 0 AS pos FROM gs UNION ALL SELECT 'total', '', '', COALESCE(SUM(n), 0), 0")
    statement.add(" FROM gs WHERE ")
    passes("gs", statement, sets="gs")
    for facet in COLUMN_FACETS:
        statement.add(f" UNION ALL SELECT 'facet', '{facet}', gs.{facet}, SUM(n), 0 FROM gs")
        statement.add(f" WHERE gs.{facet} <> '' AND ")
        passes("gs", statement, but=facet, sets="gs").add(f" GROUP BY gs.{facet}")
    # The JSON facets' values: the groups passing the columns' filters summed per set
    # first (a set's flags are the set's), then joined to each set's values.
    key = "fkey" if dialect.keeps_set_values else "fid"
    flags = "".join(f", gs.{flag_of[facet]}" for facet in json_filtered)
    statement.add(" UNION ALL SELECT 'facet', fv.facet, fv.value, SUM(s.n), 0 FROM (")
    statement.add(f"SELECT gs.{key}{flags}, SUM(gs.n) AS n FROM gs WHERE 1 = 1")
    for facet in wanted:
        if facet in COLUMN_FACETS:
            _flag(wanted[facet], f"gs.{facet}", statement.add(" AND "))
    statement.add(f" GROUP BY gs.{key}{flags}) s")
    if dialect.keeps_set_values:
        names = ", ".join(f"'{facet}'" for facet in JSON_FACETS)
        statement.add(f" JOIN {SET_VALUES} fv ON fv.fkey = s.fkey WHERE fv.facet IN ({names})")
    else:
        statement.add(" JOIN fv ON fv.fid = s.fid WHERE 1 = 1")
    for facet in json_filtered:
        statement.add(f" AND (fv.facet = '{facet}' OR s.{flag_of[facet]} = 1)")
    statement.add(" GROUP BY fv.facet, fv.value")
    if page:
        statement.add(
            f" UNION ALL SELECT 'hit', '', '', id, ROW_NUMBER() OVER (ORDER BY {order}) FROM page"
        )
    return statement


# The statements each database session has prepared (PREPARE), by its connection: a new
# session (a reconnection) starts with none.
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%(%|s)")


def _numbered(sql: str) -> str:
    """The statement with PostgreSQL's numbered parameters ($1, $2, …) for psycopg's %s
    (and %% as the % it stands for), as PREPARE takes it."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(
        lambda found: "%" if found.group(1) == "%" else f"${next(numbers)}", sql
    )


def _prepares(connection) -> bool:
    """Whether search statements are prepared on this connection: PostgreSQL, parameters
    bound by the client, and no transaction-pooling proxy between (the setting Django's
    documentation asks of those, DISABLE_SERVER_SIDE_CURSORS: a proxy may hand the next
    query another server session, where the statement does not exist)."""
    settings_dict = connection.settings_dict
    return (
        connection.vendor == "postgresql"
        and not settings_dict.get("OPTIONS", {}).get("server_side_binding")
        and not settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    )


def _prepared_name(connection, cursor, sql: str) -> str:
    """The name this session knows `sql` by, prepared (one round trip) the first time.

    A search's statement differs only in its parameters from one search to the next (its
    text changes with the filters' number and the sort: a few shapes), so the session
    plans each shape once (PostgreSQL's generic plan: `plan_cache_mode`, set with the
    planner settings) instead of planning every search again (0.6-1.5 ms of a common
    word's 11 ms statement on the benchmark's data, measured in-process)."""
    raw = connection.connection
    known = _PREPARED.get(raw)
    if known is None:
        known = _PREPARED[raw] = set()
    name = "migof_search_" + hashlib.sha256(sql.encode()).hexdigest()[:24]
    if name not in known:
        # Without parameters psycopg sends the text as it is: the statement's values are
        # numbered parameters here, bound at each EXECUTE.
        # nosemgrep: migof-sql-built-from-strings -- this module's statement, values apart
        cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
        known.add(name)
    return name


def planned_rows(
    dialect: Dialect, sql: str, params: Sequence, *, explain: bool = False
) -> list[tuple]:
    """The rows of one search statement, run under the dialect's planner settings in the
    same round trip: `SET LOCAL …; EXECUTE <prepared statement>(…); RESET …` as one simple
    query (psycopg's client-side binding, Django's default for psycopg 3; the statement is
    prepared once per session and shape: `_prepared_name`). Outside a transaction
    PostgreSQL runs the three as one implicit transaction, which SET LOCAL lasts for;
    inside a caller's transaction the RESET puts the settings back for the rest of it.
    Where the parameters are bound on the server (one statement per query), the settings go
    in a transaction of the statement's own: two round trips more, and nothing prepared.
    `explain`: the plan it runs with (EXPLAIN before the statement run), not its rows."""
    connection = dialect.connection
    prefix = "EXPLAIN " if explain else ""
    if not dialect.planner_settings:
        with connection.cursor() as cursor:
            # nosemgrep: migof-sql-built-from-strings -- the caller's statement, params apart
            cursor.execute(prefix + sql, params)
            return cursor.fetchall()
    planner_settings = dialect.planner_settings
    prepares = _prepares(connection)
    if prepares:  # the generic plan, made once per session and shape
        planner_settings += (("plan_cache_mode", "force_generic_plan"),)
    settings = "; ".join(f"SET LOCAL {name} = {value}" for name, value in planner_settings)
    resets = "; ".join(f"RESET {name}" for name, _ in planner_settings)
    if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # nosemgrep: migof-sql-built-from-strings -- constants of this module
            cursor.execute(settings)
            # nosemgrep: migof-sql-built-from-strings -- the caller's statement, params apart
            cursor.execute(prefix + sql, params)
            rows = cursor.fetchall()
            # nosemgrep: migof-sql-built-from-strings -- constants of this module
            cursor.execute(resets)
            return rows
    with connection.cursor() as cursor:
        if prepares:
            prepared = _prepared_name(connection, cursor, sql)
            arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
            sql = f"EXECUTE {prepared}{arguments}"
        # Settings and resets are this module's constants; the statement's values are
        # parameters, bound by the client as in any other query.
        # nosemgrep: migof-sql-built-from-strings -- see the line above
        cursor.execute(f"{settings}; {prefix}{sql}; {resets}", params)
        for _setting in planner_settings:
            cursor.nextset()  # past each SET's empty result, to the statement's rows
        return cursor.fetchall()


def faceted_search(
    dialect: Dialect,
    text: str,
    filters: Mapping[str, Sequence[str]],
    *,
    sort: str,
    offset: int,
    limit: int,
) -> FacetedRows:
    statement = search_statement(
        dialect, text, filters, sort=sort, offset=max(offset, 0), limit=max(limit, 0)
    )
    # A Fragment: constants, known facet names and quoted model metadata; every value
    # (words, filters, limits) is a parameter.
    rows = planned_rows(dialect, statement.sql(), statement.params)
    counts = {"matched": 0, "total": 0}
    facets: dict[str, dict[str, int]] = {}
    hits: list[tuple[int, int]] = []
    for part, facet, value, n, position in rows:
        if part == "hit":
            hits.append((int(position), int(n)))
        elif part == "facet":
            facets.setdefault(facet, {})[value] = int(n)
        else:
            counts[part] = int(n)
    ordered = {
        facet: dict(sorted(facets[facet].items(), key=lambda item: (-item[1], item[0])))
        for facet in FACETS
        if facets.get(facet)
    }
    return FacetedRows(
        total=counts["total"],
        matched=counts["matched"],
        ids=tuple(entry_id for _position, entry_id in sorted(hits)),
        facets=ordered,
    )


def autocomplete(dialect: Dialect, text: str, limit: int) -> list[tuple[int, str, str, str, str]]:
    """(id, kind, title, url, language) of the entries whose title completes the words, in
    the backend's order (most relevant first, then the newest), at most `limit`."""
    statement = dialect.autocomplete(text, limit)
    with dialect.connection.cursor() as cursor:
        # A Fragment: constants, known facet names and quoted model metadata; every value
        # (words, filters, limits) is a parameter.
        # nosemgrep: migof-sql-built-from-strings -- see the line above
        cursor.execute(statement.sql(), statement.params)
        return cursor.fetchall()
