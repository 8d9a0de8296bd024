"""The Elasticsearch 8 engine: `GuidanceEntry` rows in an index behind an alias.

Decisions, so the request bodies can be read against them:

- **Document id = the entry's key** ("<app>.<model>:<pk>"): stable across rebuilds and known
  to the indexing code even after the object and its entry row are gone, so `delete_keys`
  needs no database lookup. The entry's pk travels as `entry_id` and comes back as `Hit`.
- **Languages**: `title` and `body` are analysed by the standard analyzer, with `en`, `fr` and
  `es` sub-fields analysed by Elasticsearch's built-in `english`, `french` and `spanish`
  analyzers. The query is a bool `should` of a standard multi_match (every entry) and, per
  language, a multi_match on that language's sub-fields restricted to entries in that
  language: an entry is stemmed only in its own language (French stemming never rewrites
  English text), and exact-word matches score above stem-only ones. Words are OR-ed, like
  Wagtail's database search; no fuzziness, so a misspelling finds nothing and the "spelling"
  term suggester offers the near terms instead.
- **Facets**: values of one facet OR, facets AND. The filters go in `post_filter` (hits are
  filtered, aggregations are not); each facet's terms aggregation sits in a `filter`
  aggregation holding every *other* facet's filter (disjunctive faceting).
- **Index lifecycle**: the alias `<prefix>guidance` points at one concrete index. `rebuild`
  loads a new `<prefix>guidance-<UTC timestamp>`, swaps the alias in one `update_aliases`
  call and deletes the indices it replaces, so searches never see a missing or half-built
  index. `index_entries` / `delete_keys` write through the alias (`require_alias`, so a
  missing alias is an error, never an auto-created index with a guessed mapping); before any
  rebuild they create `<prefix>guidance-0` with the alias.
- **Errors**: any transport or API error (server down, timeout, missing index, rejected
  documents) is raised as `SearchUnavailable`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from elasticsearch import ApiError, BadRequestError, Elasticsearch, NotFoundError, TransportError
from elasticsearch.dsl import (
    Completion,
    Date,
    Document,
    Index,
    Keyword,
    Long,
    MetaField,
    Object,
    Q,
    Search,
    Text,
    analyzer,
)
from elasticsearch.helpers import BulkIndexError, bulk

from .base import (
    FACETS,
    SORT_NEWEST,
    SORT_RELEVANCE,
    EngineResult,
    EngineUnavailable,
    Hit,
    Query,
    Suggestion,
)

# Entry language -> Elasticsearch's built-in analyzer for it (and the sub-field name).
LANGUAGE_ANALYZERS = {"en": "english", "fr": "french", "es": "spanish"}
# The facets stored in GuidanceEntry.facets; "kind" and "language" are columns.
ENTRY_FACETS = tuple(facet for facet in FACETS if facet not in ("kind", "language"))

TITLE_BOOST = 3
FACET_SIZE = 1000  # more values than any facet has (indicators are the longest list)
MAX_RESULT_WINDOW = 10_000  # Elasticsearch's index.max_result_window default
SPELLING_SUGGESTER = "spelling"
COMPLETION_SUGGESTER = "titles"
SUGGEST_INPUT_WEIGHT = 10  # the whole title and indicator codes rank above inner words
MAX_SUGGEST_TAILS = 8
MAX_PREFIX_LENGTH = 100
HIGHLIGHT_OPTIONS = {
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "encoder": "html",  # the text around the tags is escaped
    "fragment_size": 150,
    "number_of_fragments": 1,
    # Highlight long PDF texts up to this offset instead of failing the search.
    "max_analyzed_offset": 1_000_000,
}
# The extract comes from the body: the entry language's sub-field (stemmed matches), then the
# standard field. The title is displayed whole, so it is not highlighted.
HIGHLIGHT_FIELDS = ("body", *(f"body.{lang}" for lang in LANGUAGE_ANALYZERS))
SORTS: dict[str, tuple[Any, ...]] = {
    SORT_RELEVANCE: ("_score", {"entry_id": {"order": "asc"}}),
    SORT_NEWEST: (
        {"published_at": {"order": "desc", "missing": "_last"}},
        "_score",
        {"entry_id": {"order": "asc"}},
    ),
}
# Characters a completion input may not contain (Lucene's reserved separators).
_COMPLETION_RESERVED = re.compile("[\x00\x1e\x1f]")


class SearchUnavailable(EngineUnavailable):
    """Elasticsearch did not answer, or refused the request: search is temporarily down."""


# Completion inputs: split on whitespace only, so indicator codes such as "3.4" survive
# (the default "simple" analyzer drops digits), lowercased and accent-folded.
suggest_analyzer = analyzer(
    "guidance_suggest", tokenizer="whitespace", filter=["lowercase", "asciifolding"]
)


def _multilingual_text(**options: Any) -> Text:
    return Text(
        analyzer="standard",
        copy_to="spelling",
        fields={lang: Text(analyzer=name, **options) for lang, name in LANGUAGE_ANALYZERS.items()},
        **options,
    )


class GuidanceDocument(Document):
    """The mapping of one `GuidanceEntry`. Index names are chosen at run time (see
    `index_definition`), so the class declares no `Index`."""

    entry_id = Long()
    key = Keyword()
    kind = Keyword()
    language = Keyword()
    title = _multilingual_text()
    # Offsets in the postings let the highlighter skip re-analysing long PDF texts.
    body = _multilingual_text(index_options="offsets")
    # Every title and body word (copy_to), for the "did you mean" term suggester.
    spelling = Text(analyzer="standard")
    element = Keyword()
    framework = Keyword()
    domain = Keyword()
    indicator = Keyword()
    country = Keyword()
    region = Keyword()
    published_at = Date()
    # Displayed, never searched.
    url = Keyword(index=False, doc_values=False)
    trail = Object(enabled=False)
    tags = Object(enabled=False)
    suggest = Completion(analyzer=suggest_analyzer)

    class Meta:
        dynamic = MetaField("strict")


def index_definition(name: str, *, alias: str | None = None) -> Index:
    """The concrete index `name`: settings, analysis and mapping (and `alias` if given)."""
    index = Index(name)
    # One shard: a small corpus, and term statistics (so relevance) identical for all docs.
    index.settings(number_of_shards=1, auto_expand_replicas="0-1")
    index.mapping(GuidanceDocument._doc_type.mapping)
    if alias:
        index.aliases(**{alias: {}})
    return index


# --- Documents ---------------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str | int):
        return [str(value)]
    return [str(item) for item in value]


def suggest_inputs(entry) -> list[dict[str, Any]]:
    """What completes to this entry: its title (search.indexing titles an indicator
    "<code> <title>", so "3.4" completes it) and, for an indicator, the codes of its tags if
    it has any; then, weighted lower, the title from each later word on, so "migr" finds
    "Labour migration policy" below the titles that start with it."""
    title = " ".join(_COMPLETION_RESERVED.sub(" ", entry.title).split())
    if not title:
        return []
    main = [title]
    if entry.kind == "indicator":
        main += [str(tag["code"]) for tag in entry.tags or () if tag.get("code")]
    words = title.split(" ")
    tails = [" ".join(words[i:]) for i in range(1, len(words)) if len(words[i]) > 2]
    inputs = [{"input": list(dict.fromkeys(main)), "weight": SUGGEST_INPUT_WEIGHT}]
    if tails:
        inputs.append({"input": tails[:MAX_SUGGEST_TAILS], "weight": 1})
    return inputs


def entry_source(entry) -> dict[str, Any]:
    """The `_source` of an entry's document."""
    facets = entry.facets or {}
    return {
        "entry_id": entry.pk,
        "key": entry.key,
        "kind": entry.kind,
        "language": entry.language,
        "title": entry.title,
        "body": entry.body,
        "url": entry.url,
        "trail": entry.trail or [],
        "tags": entry.tags or [],
        **{facet: _strings(facets.get(facet)) for facet in ENTRY_FACETS},
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
        "suggest": suggest_inputs(entry),
    }


def bulk_actions(entries: Iterable, index: str) -> Iterator[dict[str, Any]]:
    """`index` actions (create or replace) for `helpers.bulk`, one per entry, id = key."""
    for entry in entries:
        yield {
            "_op_type": "index",
            "_index": index,
            "_id": entry.key,
            "_source": entry_source(entry),
        }


def delete_actions(keys: Iterable[str], index: str) -> Iterator[dict[str, Any]]:
    for key in dict.fromkeys(keys):
        yield {"_op_type": "delete", "_index": index, "_id": key}


def alias_swap_actions(
    alias: str, new_index: str, old_indices: Iterable[str] = (), *, stray_index: bool = False
) -> list[dict[str, Any]]:
    """One atomic `update_aliases` call: the alias leaves the old indices and points at the
    new one. `stray_index`: a concrete index is named like the alias (Elasticsearch creates
    one when a document is written to the name before the alias exists); it is deleted in
    the same call, as Elasticsearch documents it, since an alias cannot share an index's
    name."""
    actions: list[dict[str, Any]] = [
        {"remove": {"index": old, "alias": alias}} for old in old_indices
    ]
    actions.append({"add": {"index": new_index, "alias": alias}})
    if stray_index:
        actions.append({"remove_index": {"index": alias}})
    return actions


# --- Search ------------------------------------------------------------------------------


def text_query(text: str) -> Q:
    """Standard fields for every entry, plus each language's stemmed fields for the entries
    in that language (see the module docstring)."""
    clauses = [
        Q("multi_match", query=text, type="best_fields", fields=[f"title^{TITLE_BOOST}", "body"])
    ]
    for lang in LANGUAGE_ANALYZERS:
        clauses.append(
            Q(
                "bool",
                filter=[Q("term", language=lang)],
                must=[
                    Q(
                        "multi_match",
                        query=text,
                        type="best_fields",
                        fields=[f"title.{lang}^{TITLE_BOOST}", f"body.{lang}"],
                    )
                ],
            )
        )
    return Q("bool", should=clauses, minimum_should_match=1)


def _facet_filters(filters: Mapping[str, Iterable[str]]) -> dict[str, Q]:
    """facet -> `terms` filter, for the known facets that have values (repeats dropped)."""
    out = {}
    for facet in FACETS:
        values = list(dict.fromkeys(str(v) for v in filters.get(facet, ())))
        if values:
            out[facet] = Q("terms", **{facet: values})
    return out


def search_request(query: Query) -> Search:
    """The whole search as an `elasticsearch.dsl.Search` (`.to_dict()` is the body)."""
    search = Search().query(text_query(query.text))
    filters = _facet_filters(query.filters)
    if filters:
        search = search.post_filter("bool", filter=list(filters.values()))
    for facet in FACETS:
        others = [clause for name, clause in filters.items() if name != facet]
        scope = Q("bool", filter=others) if others else Q("match_all")
        search.aggs.bucket(facet, "filter", filter=scope).bucket(
            "values", "terms", field=facet, size=FACET_SIZE
        )
    search = search.highlight(*HIGHLIGHT_FIELDS).highlight_options(**HIGHLIGHT_OPTIONS)
    search = search.sort(*SORTS.get(query.sort, SORTS[SORT_RELEVANCE]))
    offset, limit = max(query.offset, 0), max(query.limit, 0)
    if offset + limit > MAX_RESULT_WINDOW:
        # Elasticsearch refuses pages past the window: answer the total and facets, no hits.
        offset = limit = 0
    search = search[offset : offset + limit]
    search = search.source(["entry_id", "language"]).extra(track_total_hits=True)
    return search.suggest(
        SPELLING_SUGGESTER, query.text, term={"field": "spelling", "suggest_mode": "missing"}
    )


def _highlight(hit: Mapping[str, Any]) -> str:
    fragments = hit.get("highlight") or {}
    language = (hit.get("_source") or {}).get("language", "")
    for field in (f"body.{language}", "body"):
        if fragments.get(field):
            return fragments[field][0]
    return ""


def _spelling(suggest: Mapping[str, Any]) -> tuple[str, ...]:
    terms = (
        option["text"]
        for token in suggest.get(SPELLING_SUGGESTER, ())
        for option in token.get("options", ())
    )
    return tuple(dict.fromkeys(terms))


def parse_search_response(response: Mapping[str, Any]) -> EngineResult:
    hits = response["hits"]
    total = hits["total"]
    total = total["value"] if isinstance(total, Mapping) else int(total)
    aggregations = response.get("aggregations") or {}
    facets = {
        facet: {
            str(bucket["key"]): bucket["doc_count"]
            for bucket in aggregations[facet]["values"]["buckets"]
        }
        for facet in FACETS
        if facet in aggregations
    }
    return EngineResult(
        total=total,
        hits=tuple(
            Hit(entry_id=int(hit["_source"]["entry_id"]), highlight=_highlight(hit))
            for hit in hits["hits"]
        ),
        facets=facets,
        suggestions=_spelling(response.get("suggest") or {}) if total == 0 else (),
    )


def suggest_request(prefix: str, limit: int) -> Search:
    search = Search().suggest(
        COMPLETION_SUGGESTER,
        prefix,
        completion={"field": "suggest", "skip_duplicates": True, "size": limit},
    )
    return search.source(["title", "url", "kind"]).extra(size=0)


def parse_suggest_response(response: Mapping[str, Any]) -> list[Suggestion]:
    results = (response.get("suggest") or {}).get(COMPLETION_SUGGESTER) or [{}]
    seen: set[str] = set()
    suggestions = []
    for option in results[0].get("options", ()):
        if option["_id"] in seen:
            continue
        seen.add(option["_id"])
        source = option["_source"]
        suggestions.append(Suggestion(text=source["title"], url=source["url"], kind=source["kind"]))
    return suggestions


# --- The engine --------------------------------------------------------------------------


@contextmanager
def _unavailable(doing: str) -> Iterator[None]:
    try:
        yield
    except (TransportError, ApiError, BulkIndexError) as exc:
        detail = str(exc)
        if isinstance(exc, BulkIndexError) and exc.errors:
            detail += f" First: {exc.errors[0]}"
        raise SearchUnavailable(f"Elasticsearch could not {doing}: {detail}") from exc


@lru_cache(maxsize=4)
def _client(url: str) -> Elasticsearch:
    """One client (one connection pool) per process and URL."""
    return Elasticsearch(url, request_timeout=5, max_retries=2, retry_on_timeout=True)


def _index_prefix() -> str:
    prefix = getattr(settings, "ELASTICSEARCH_INDEX_PREFIX", None)
    if prefix is None:
        backend = getattr(settings, "WAGTAILSEARCH_BACKENDS", {}).get("default", {})
        prefix = backend.get("INDEX_PREFIX", "")
    return prefix


class ElasticEngine:
    name = "elasticsearch"
    rebuild_timeout = 120  # seconds, for the bulk loads of a rebuild

    def __init__(self, *, client: Elasticsearch, prefix: str = "") -> None:
        self.client = client
        self.alias = f"{prefix}guidance".lower()  # index names are lowercase

    @classmethod
    def from_settings(cls) -> ElasticEngine:
        return cls(client=_client(settings.ELASTICSEARCH_URL), prefix=_index_prefix())

    # Reading

    def search(self, query: Query) -> EngineResult:
        with _unavailable("search"):
            response = self.client.search(index=self.alias, body=search_request(query).to_dict())
        return parse_search_response(response)

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Suggestion]:
        prefix = " ".join(prefix.split())[:MAX_PREFIX_LENGTH]
        if not prefix or limit < 1:
            return []
        with _unavailable("suggest"):
            response = self.client.search(
                index=self.alias, body=suggest_request(prefix, limit).to_dict()
            )
        return parse_suggest_response(response)

    # Writing

    def index_entries(self, entries) -> None:
        with _unavailable("index entries"):
            self._ensure_alias()
            bulk(
                self.client,
                bulk_actions(entries, self.alias),
                require_alias=True,
                refresh="wait_for",
            )

    def delete_keys(self, keys: list[str]) -> None:
        if not keys:
            return
        with _unavailable("delete entries"):
            if not self.client.indices.exists_alias(name=self.alias):
                return  # nothing was ever indexed
            bulk(
                self.client,
                delete_actions(keys, self.alias),
                require_alias=True,
                refresh="wait_for",
                ignore_status=(404,),  # already gone
            )

    def rebuild(self, entries) -> None:
        new_index = f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        with _unavailable("rebuild the index"):
            self.client.indices.create(index=new_index, **index_definition(new_index).to_dict())
            try:
                bulk(
                    self.client.options(request_timeout=self.rebuild_timeout),
                    bulk_actions(entries, new_index),
                )
                self.client.indices.refresh(index=new_index)
                existing = self._our_indices()
                aliased = sorted(n for n, aliases in existing.items() if self.alias in aliases)
                self.client.indices.update_aliases(
                    actions=alias_swap_actions(
                        self.alias,
                        new_index,
                        [name for name in aliased if name != new_index],
                        stray_index=self.alias in existing,
                    )
                )
            except Exception:
                with suppress(TransportError, ApiError):  # the first error is the one to report
                    self.client.options(ignore_status=404).indices.delete(index=new_index)
                raise
            # The replaced indices, and those left by older rebuilds that failed midway
            # (a newer name may be a rebuild still loading: left alone).
            old = sorted(
                name
                for name in existing
                if name not in (new_index, self.alias) and (name in aliased or name < new_index)
            )
            if old:
                self.client.options(ignore_status=404).indices.delete(index=old)

    def _our_indices(self) -> dict[str, set[str]]:
        """Every concrete index under our names -> its aliases: the alias's current index,
        leftovers of earlier rebuilds, and a stray index named like the alias."""
        try:
            response = self.client.indices.get_alias(
                index=[self.alias, f"{self.alias}-*"], ignore_unavailable=True
            )
        except NotFoundError:
            return {}
        return {name: set(info.get("aliases") or ()) for name, info in response.items()}

    def _ensure_alias(self) -> None:
        """Before the first rebuild, `<alias>-0` carries the alias (a fixed name, so two
        workers racing here create one index, not two behind the same alias)."""
        if self.client.indices.exists_alias(name=self.alias):
            return
        first = f"{self.alias}-0"
        try:
            self.client.indices.create(
                index=first, **index_definition(first, alias=self.alias).to_dict()
            )
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise
            if not self.client.indices.exists_alias(name=self.alias):
                self.client.indices.put_alias(index=first, name=self.alias)
