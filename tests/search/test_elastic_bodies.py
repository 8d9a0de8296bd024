"""The Elasticsearch engine without a server: the requests it sends and how it reads replies.

The client is the real `elasticsearch.Elasticsearch`; only its node (the HTTP layer) is
replaced by `FakeCluster`, which records each request (method, path, query parameters, JSON
or NDJSON body) and answers with canned Elasticsearch 8 responses. So these tests also prove
the client accepts what the engine passes it, and that its real exceptions become
`SearchUnavailable`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from elastic_transport import ApiResponseMeta, BaseNode, ConnectionTimeout, HttpHeaders

# Not re-exported by elastic_transport, but it is the return type of BaseNode.perform_request.
from elastic_transport._node import NodeApiResponse
from elasticsearch import Elasticsearch

from search.engines import get_engine
from search.engines.base import FACETS, SORT_NEWEST, Query
from search.engines.elastic import (
    ElasticEngine,
    GuidanceDocument,
    SearchUnavailable,
    _client,
    alias_swap_actions,
    bulk_actions,
    index_definition,
    parse_search_response,
    parse_suggest_response,
    search_request,
    suggest_inputs,
)
from search.models import GuidanceEntry

ALIAS = "t_guidance"


# --- A fake Elasticsearch node -----------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any  # parsed JSON, a list of NDJSON lines, or None


Reply = dict[str, Any] | Callable[[Request], tuple[int, dict[str, Any]]]
Path = str | re.Pattern[str]


class FakeCluster:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.routes: list[tuple[str, Path, Reply, int]] = []

    def on(self, method: str, path: Path, reply: Reply | None = None, status: int = 200) -> None:
        """Answer `method path` (an exact path or a pattern; the latest matching route wins).
        `reply` is a body, or a function of the request returning (status, body)."""
        self.routes.insert(0, (method, path, {} if reply is None else reply, status))

    def answer(self, method: str, target: str, body: bytes | None) -> tuple[int, Any]:
        url = urlsplit(target)
        request = Request(method, unquote(url.path), dict(parse_qsl(url.query)), _decode(body))
        self.requests.append(request)
        for route_method, path, reply, status in self.routes:
            if route_method == method and (
                path == request.path
                if isinstance(path, str)
                else path.fullmatch(request.path) is not None
            ):
                return reply(request) if callable(reply) else (status, reply)
        raise AssertionError(f"unexpected request {method} {target}")

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]

    def client(self) -> Elasticsearch:
        cluster = self

        class Node(BaseNode):
            _CLIENT_META_HTTP_CLIENT = ("fake", "1")

            def perform_request(self, method, target, body=None, headers=None, **kwargs):
                status, payload = cluster.answer(method, target, body)
                meta = ApiResponseMeta(
                    status=status,
                    http_version="1.1",
                    headers=HttpHeaders(
                        {"x-elastic-product": "Elasticsearch", "content-type": "application/json"}
                    ),
                    duration=0.0,
                    node=self.config,
                )
                raw = b"" if method == "HEAD" else json.dumps(payload).encode()
                return NodeApiResponse(meta, raw)  # what a real node returns

        return Elasticsearch("http://es.test:9200", node_class=Node, max_retries=0)


def _decode(body: bytes | None) -> Any:
    if not body:
        return None
    text = body.decode()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line]


def bulk_reply(request: Request, *, failing: dict[str, int] | None = None) -> tuple[int, Any]:
    """Answer a bulk request item by item; `failing` maps document ids to a status."""
    failing = failing or {}
    items = []
    for line in request.body:
        if len(line) == 1 and next(iter(line)) in ("index", "create", "update", "delete"):
            op, meta = next(iter(line.items()))
            status = failing.get(meta["_id"], 200)
            item = {"_index": meta.get("_index"), "_id": meta["_id"], "status": status}
            if status >= 300:
                item["error"] = {"type": "document_parsing_exception", "reason": "bad"}
            items.append({op: item})
    errors = any(next(iter(item.values()))["status"] >= 300 for item in items)
    return 200, {"took": 1, "errors": errors, "items": items}


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


@pytest.fixture
def engine(cluster) -> ElasticEngine:
    return ElasticEngine(client=cluster.client(), prefix="t_")


def make_entry(pk: int, **fields: Any) -> GuidanceEntry:
    defaults = {
        "key": f"courses.lessonpage:{pk}",
        "kind": "lesson",
        "title": f"Lesson {pk}",
        "body": "Some text.",
        "url": f"/lessons/{pk}/",
        "language": "en",
    }
    return GuidanceEntry(pk=pk, **{**defaults, **fields})


@pytest.fixture
def indicator() -> GuidanceEntry:
    return make_entry(
        12,
        key="framework_content.indicator:40",
        kind="indicator",
        title="Labour migration policy",
        body="Whether the country has a labour migration policy.",
        url="/indicators/eiu16/3-4/",
        trail=[["Indicators", "/indicators/"], ["EIU 2016", "/indicators/eiu16/"]],
        tags=[{"code": "3.4", "title": "Labour migration policy", "url": "/indicators/eiu16/3-4/"}],
        facets={"framework": ["eiu16"], "domain": [7], "indicator": ["40"]},
        published_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
    )


# --- The mapping -------------------------------------------------------------------------


def test_mapping_analyses_title_and_body_in_each_language() -> None:
    properties = GuidanceDocument._doc_type.mapping.to_dict()["properties"]
    for field in ("title", "body"):
        assert properties[field]["type"] == "text"
        assert properties[field]["analyzer"] == "standard"
        assert properties[field]["copy_to"] == "spelling"
        assert {lang: sub["analyzer"] for lang, sub in properties[field]["fields"].items()} == {
            "en": "english",
            "fr": "french",
            "es": "spanish",
        }
    assert properties["body"]["index_options"] == "offsets"
    assert properties["spelling"] == {"type": "text", "analyzer": "standard"}


def test_mapping_makes_every_facet_a_keyword_and_stores_display_fields_unindexed() -> None:
    mapping = GuidanceDocument._doc_type.mapping.to_dict()
    properties = mapping["properties"]
    assert mapping["dynamic"] == "strict"
    for facet in (*FACETS, "key"):
        assert properties[facet] == {"type": "keyword"}, facet
    assert properties["entry_id"] == {"type": "long"}
    assert properties["published_at"] == {"type": "date"}
    assert properties["url"] == {"type": "keyword", "index": False, "doc_values": False}
    assert properties["trail"] == {"type": "object", "enabled": False}
    assert properties["tags"] == {"type": "object", "enabled": False}


def test_index_definition_declares_the_completion_analyzer_that_keeps_codes() -> None:
    body = index_definition("t_guidance-1", alias=ALIAS).to_dict()
    assert body["mappings"]["properties"]["suggest"] == {
        "type": "completion",
        "analyzer": "guidance_suggest",
    }
    assert body["settings"]["analysis"]["analyzer"]["guidance_suggest"] == {
        "type": "custom",
        "tokenizer": "whitespace",  # "3.4" stays one token
        "filter": ["lowercase", "asciifolding"],
    }
    assert body["settings"]["number_of_shards"] == 1
    assert body["aliases"] == {ALIAS: {}}
    assert "aliases" not in index_definition("t_guidance-1").to_dict()


# --- Documents ---------------------------------------------------------------------------


def test_bulk_actions_use_the_entry_key_as_id_and_carry_everything_shown(indicator) -> None:
    (action,) = bulk_actions([indicator], "t_guidance-1")
    assert action["_op_type"] == "index"
    assert action["_index"] == "t_guidance-1"
    assert action["_id"] == "framework_content.indicator:40"
    source = action["_source"]
    assert source["entry_id"] == 12
    assert source["kind"] == "indicator"
    assert source["language"] == "en"
    assert source["title"] == "Labour migration policy"
    assert source["url"] == "/indicators/eiu16/3-4/"
    assert source["trail"] == [["Indicators", "/indicators/"], ["EIU 2016", "/indicators/eiu16/"]]
    assert source["tags"][0]["code"] == "3.4"
    assert source["published_at"] == "2025-03-01T09:30:00+00:00"
    # Facet values are lists of strings; absent facets are empty lists.
    assert source["framework"] == ["eiu16"]
    assert source["domain"] == ["7"]
    assert source["element"] == source["country"] == source["region"] == []
    # Every field sent is mapped (the mapping is strict).
    assert set(source) <= set(GuidanceDocument._doc_type.mapping.to_dict()["properties"])


def test_an_indicator_titled_with_its_code_completes_from_the_code() -> None:
    # search.indexing titles an indicator "<code> <title>".
    entry = make_entry(1, kind="indicator", title="3.4 Labour migration policy")
    assert suggest_inputs(entry) == [
        {"input": ["3.4 Labour migration policy"], "weight": 10},
        {"input": ["Labour migration policy", "migration policy", "policy"], "weight": 1},
    ]


def test_an_indicator_tagged_with_its_code_completes_from_the_code(indicator) -> None:
    assert suggest_inputs(indicator) == [
        {"input": ["Labour migration policy", "3.4"], "weight": 10},
        {"input": ["migration policy", "policy"], "weight": 1},
    ]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Return", [{"input": ["Return"], "weight": 10}]),
        (
            "Case study: return  in Kenya",
            [
                {"input": ["Case study: return in Kenya"], "weight": 10},
                {"input": ["study: return in Kenya", "return in Kenya", "Kenya"], "weight": 1},
            ],
        ),
        ("", []),
        (
            "Bad\x1fchars",
            [{"input": ["Bad chars"], "weight": 10}, {"input": ["chars"], "weight": 1}],
        ),
    ],
)
def test_other_entries_complete_from_their_title_only(title, expected) -> None:
    entry = make_entry(1, title=title, tags=[{"code": "9.9", "title": "x", "url": "/x/"}])
    assert suggest_inputs(entry) == expected


# --- The search body ---------------------------------------------------------------------


def test_search_body_filters_hits_and_counts_each_facet_without_its_own_filter() -> None:
    query = Query(
        text="migration policy",
        filters={"kind": ("lesson", "case_study"), "country": ("KE",)},
        offset=20,
        limit=10,
    )
    body = search_request(query).to_dict()

    should = body["query"]["bool"]["should"]
    assert body["query"]["bool"]["minimum_should_match"] == 1
    assert should[0] == {
        "multi_match": {
            "query": "migration policy",
            "type": "best_fields",
            "fields": ["title^3", "body"],
        }
    }
    for clause, lang in zip(should[1:], ("en", "fr", "es"), strict=True):
        assert clause == {
            "bool": {
                "filter": [{"term": {"language": lang}}],
                "must": [
                    {
                        "multi_match": {
                            "query": "migration policy",
                            "type": "best_fields",
                            "fields": [f"title.{lang}^3", f"body.{lang}"],
                        }
                    }
                ],
            }
        }

    kind_filter = {"terms": {"kind": ["lesson", "case_study"]}}
    country_filter = {"terms": {"country": ["KE"]}}
    assert body["post_filter"] == {"bool": {"filter": [kind_filter, country_filter]}}

    aggs = body["aggs"]
    assert list(aggs) == list(FACETS)
    assert aggs["kind"]["filter"] == {"bool": {"filter": [country_filter]}}
    assert aggs["country"]["filter"] == {"bool": {"filter": [kind_filter]}}
    for facet in ("element", "framework", "domain", "indicator", "region", "language"):
        assert aggs[facet]["filter"] == {"bool": {"filter": [kind_filter, country_filter]}}
    for facet in FACETS:
        assert aggs[facet]["aggs"] == {"values": {"terms": {"field": facet, "size": 1000}}}

    assert body["highlight"] == {
        "fields": {"body": {}, "body.en": {}, "body.fr": {}, "body.es": {}},
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "encoder": "html",
        "fragment_size": 150,
        "number_of_fragments": 1,
        "max_analyzed_offset": 1_000_000,
    }
    assert body["sort"] == ["_score", {"entry_id": {"order": "asc"}}]
    assert (body["from"], body["size"]) == (20, 10)
    assert body["track_total_hits"] is True
    assert body["_source"] == ["entry_id", "language"]
    assert body["suggest"] == {
        "spelling": {
            "text": "migration policy",
            "term": {"field": "spelling", "suggest_mode": "missing"},
        }
    }


def test_without_filters_every_facet_counts_all_matches() -> None:
    body = search_request(Query(text="return")).to_dict()
    assert "post_filter" not in body
    assert all(agg["filter"] == {"match_all": {}} for agg in body["aggs"].values())
    assert (body["from"], body["size"]) == (0, 10)


def test_unknown_facets_empty_and_repeated_values_are_dropped() -> None:
    query = Query(
        text="x", filters={"colour": ("red",), "kind": ("lesson", "lesson"), "region": ()}
    )
    body = search_request(query).to_dict()
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"kind": ["lesson"]}}]}}


def test_newest_first_sorts_by_publication_date_then_score() -> None:
    body = search_request(Query(text="x", sort=SORT_NEWEST)).to_dict()
    assert body["sort"] == [
        {"published_at": {"order": "desc", "missing": "_last"}},
        "_score",
        {"entry_id": {"order": "asc"}},
    ]


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [(-10, 10, (0, 10)), (9990, 10, (9990, 10)), (9_999_990, 10, (0, 0)), (0, -1, (0, 0))],
)
def test_pages_stay_inside_the_result_window(offset, limit, expected) -> None:
    body = search_request(Query(text="x", offset=offset, limit=limit)).to_dict()
    assert (body["from"], body["size"]) == expected


# --- Reading search replies --------------------------------------------------------------


def _bucket(key: str, count: int) -> dict[str, Any]:
    return {"key": key, "doc_count": count}


def _agg(*buckets: dict[str, Any]) -> dict[str, Any]:
    values = {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": list(buckets)}
    return {"doc_count": sum(b["doc_count"] for b in buckets), "values": values}


SEARCH_REPLY = {
    "took": 4,
    "timed_out": False,
    "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
    "hits": {
        "total": {"value": 23, "relation": "eq"},
        "max_score": None,
        "hits": [
            {
                "_index": "t_guidance-20250301",
                "_id": "courses.lessonpage:9",
                "_score": 3.2,
                "_source": {"entry_id": 9, "language": "fr"},
                "highlight": {
                    "body": ["La <mark>migration</mark> de main-d&#39;œuvre"],
                    "body.fr": ["La <mark>migration</mark> et les <mark>migrations</mark>"],
                    "body.en": ["<mark>migrations</mark> (English stems of French text)"],
                },
                "sort": [3.2, 9],
            },
            {
                "_index": "t_guidance-20250301",
                "_id": "case_studies.casestudypage:4",
                "_score": 2.5,
                "_source": {"entry_id": 4, "language": "en"},
                "highlight": {"body": ["Kenya&#39;s <mark>migration</mark> &lt;policy&gt;"]},
                "sort": [2.5, 4],
            },
            {
                "_index": "t_guidance-20250301",
                "_id": "framework_content.indicator:40",
                "_score": 1.0,
                "_source": {"entry_id": 12, "language": "en"},
                "sort": [1.0, 12],
            },
        ],
    },
    "aggregations": {
        "kind": _agg(_bucket("lesson", 15), _bucket("case_study", 5), _bucket("indicator", 3)),
        "element": _agg(_bucket("P1", 10)),
        "framework": _agg(),
        "domain": _agg(),
        "indicator": _agg(_bucket("40", 2)),
        "country": _agg(_bucket("KE", 4), _bucket("SN", 1)),
        "region": _agg(_bucket("africa", 5)),
        "language": _agg(_bucket("en", 20), _bucket("fr", 3)),
    },
    "suggest": {
        "spelling": [
            {"text": "migration", "offset": 0, "length": 9, "options": []},
        ]
    },
}


def test_a_search_reply_becomes_hits_in_order_with_extracts_and_facet_counts() -> None:
    result = parse_search_response(SEARCH_REPLY)
    assert result.total == 23
    assert [hit.entry_id for hit in result.hits] == [9, 4, 12]
    # The extract of the entry's own language wins (stemmed matches); then the standard one.
    assert result.hits[0].highlight == "La <mark>migration</mark> et les <mark>migrations</mark>"
    assert result.hits[1].highlight == "Kenya&#39;s <mark>migration</mark> &lt;policy&gt;"
    assert result.hits[2].highlight == ""  # the service cuts an extract from the body
    assert result.facets["kind"] == {"lesson": 15, "case_study": 5, "indicator": 3}
    assert result.facets["country"] == {"KE": 4, "SN": 1}
    assert result.facets["framework"] == {}
    assert set(result.facets) == set(FACETS)
    assert result.suggestions == ()


def test_spelling_near_terms_are_offered_when_nothing_matched() -> None:
    reply = {
        "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []},
        "aggregations": {facet: _agg() for facet in FACETS},
        "suggest": {
            "spelling": [
                {
                    "text": "migraton",
                    "offset": 0,
                    "length": 8,
                    "options": [
                        {"text": "migration", "score": 0.875, "freq": 12},
                        {"text": "migrant", "score": 0.71, "freq": 3},
                    ],
                },
                {
                    "text": "polcy",
                    "offset": 9,
                    "length": 5,
                    "options": [{"text": "policy", "score": 0.8, "freq": 7}],
                },
                {"text": "kenia", "offset": 15, "length": 5, "options": [{"text": "migrant"}]},
            ]
        },
    }
    result = parse_search_response(reply)
    assert result.total == 0
    assert result.hits == ()
    assert result.facets["kind"] == {}
    assert result.suggestions == ("migration", "migrant", "policy")


def test_search_posts_the_body_to_the_alias(cluster, engine) -> None:
    cluster.on("POST", f"/{ALIAS}/_search", SEARCH_REPLY)
    query = Query(text="migration", filters={"element": ("P1",)}, sort=SORT_NEWEST)
    result = engine.search(query)
    (request,) = cluster.requests
    assert request.body == search_request(query).to_dict()
    assert [hit.entry_id for hit in result.hits] == [9, 4, 12]


# --- Completion --------------------------------------------------------------------------

SUGGEST_REPLY = {
    "took": 1,
    "timed_out": False,
    "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []},
    "suggest": {
        "titles": [
            {
                "text": "3.4",
                "offset": 0,
                "length": 3,
                "options": [
                    {
                        "text": "3.4",
                        "_index": "t_guidance-1",
                        "_id": "framework_content.indicator:40",
                        "_score": 10.0,
                        "_source": {
                            "title": "Labour migration policy",
                            "url": "/indicators/eiu16/3-4/",
                            "kind": "indicator",
                        },
                    },
                    {
                        "text": "3.4 Remittances",
                        "_index": "t_guidance-1",
                        "_id": "courses.lessonpage:5",
                        "_score": 10.0,
                        "_source": {"title": "3.4 Remittances", "url": "/l/5/", "kind": "lesson"},
                    },
                    {
                        "text": "3.4 labour",  # another input of the first document
                        "_index": "t_guidance-1",
                        "_id": "framework_content.indicator:40",
                        "_score": 1.0,
                        "_source": {
                            "title": "Labour migration policy",
                            "url": "/indicators/eiu16/3-4/",
                            "kind": "indicator",
                        },
                    },
                ],
            }
        ]
    },
}


def test_suggest_asks_the_completion_suggester_and_reads_url_and_kind(cluster, engine) -> None:
    cluster.on("POST", f"/{ALIAS}/_search", SUGGEST_REPLY)
    suggestions = engine.suggest("  3.4 ", limit=5)
    (request,) = cluster.requests
    assert request.body == {
        "size": 0,
        "_source": ["title", "url", "kind"],
        "suggest": {
            "titles": {
                "prefix": "3.4",
                "completion": {"field": "suggest", "skip_duplicates": True, "size": 5},
            }
        },
    }
    assert [(s.text, s.url, s.kind) for s in suggestions] == [
        ("Labour migration policy", "/indicators/eiu16/3-4/", "indicator"),
        ("3.4 Remittances", "/l/5/", "lesson"),
    ]


def test_a_blank_prefix_asks_nothing(cluster, engine) -> None:
    assert engine.suggest("   ") == []
    assert cluster.requests == []


def test_a_reply_without_suggestions_gives_none() -> None:
    assert parse_suggest_response({"hits": {"hits": []}}) == []


# --- Index lifecycle ---------------------------------------------------------------------


def test_alias_swap_is_one_list_of_actions() -> None:
    assert alias_swap_actions(ALIAS, "t_guidance-2", ["t_guidance-1"]) == [
        {"remove": {"index": "t_guidance-1", "alias": ALIAS}},
        {"add": {"index": "t_guidance-2", "alias": ALIAS}},
    ]
    assert alias_swap_actions(ALIAS, "t_guidance-2", [], stray_index=True) == [
        {"add": {"index": "t_guidance-2", "alias": ALIAS}},
        {"remove_index": {"index": ALIAS}},
    ]


NEW_INDEX = re.compile(rf"/{ALIAS}-\d{{20}}")  # <alias>-<UTC timestamp to the microsecond>
ACK = {"acknowledged": True}


def _rebuild_routes(cluster: FakeCluster, existing: dict[str, Any], reply: Reply = bulk_reply):
    cluster.on("PUT", NEW_INDEX, ACK)
    cluster.on("PUT", "/_bulk", reply)
    cluster.on("POST", re.compile(rf"/{ALIAS}-\d+/_refresh"), {"_shards": {"failed": 0}})
    cluster.on("GET", f"/{ALIAS},{ALIAS}-*/_alias", existing)
    cluster.on("POST", "/_aliases", ACK)
    cluster.on("DELETE", re.compile(r"/.+"), ACK)


def test_rebuild_loads_a_new_index_then_swaps_the_alias_and_drops_the_old(
    cluster, engine, indicator
) -> None:
    current, leftover = "t_guidance-20240101000000000000", "t_guidance-20230101000000000000"
    _rebuild_routes(
        cluster,
        {
            current: {"aliases": {ALIAS: {}}},
            leftover: {"aliases": {}},  # from a rebuild that failed midway
            "t_guidance-0": {"aliases": {}},
            "t_guidance-99990101000000000000": {"aliases": {}},  # a newer rebuild, loading
        },
    )

    engine.rebuild([indicator, make_entry(3)])

    create = cluster.requests[0]
    new = create.path[1:]
    assert cluster.calls() == [
        ("PUT", f"/{new}"),
        ("PUT", "/_bulk"),
        ("POST", f"/{new}/_refresh"),
        ("GET", f"/{ALIAS},{ALIAS}-*/_alias"),
        ("POST", "/_aliases"),
        ("DELETE", f"/t_guidance-0,{leftover},{current}"),
    ]
    assert create.body == index_definition(new).to_dict()
    bulk_request = cluster.requests[1]
    assert bulk_request.body[0::2] == [
        {"index": {"_index": new, "_id": "framework_content.indicator:40"}},
        {"index": {"_index": new, "_id": "courses.lessonpage:3"}},
    ]
    assert bulk_request.body[1]["entry_id"] == 12
    assert cluster.requests[4].body == {
        "actions": [
            {"remove": {"index": current, "alias": ALIAS}},
            {"add": {"index": new, "alias": ALIAS}},
        ]
    }


def test_a_first_rebuild_just_points_the_alias_at_the_new_index(cluster, engine) -> None:
    _rebuild_routes(cluster, {})
    cluster.on("GET", f"/{ALIAS},{ALIAS}-*/_alias", {"error": "missing", "status": 404}, 404)

    engine.rebuild([make_entry(1)])

    new = cluster.requests[0].path[1:]
    assert cluster.requests[-1].body == {"actions": [{"add": {"index": new, "alias": ALIAS}}]}


def test_a_rebuild_that_fails_to_load_keeps_the_old_index_and_drops_the_new(
    cluster, engine, indicator
) -> None:
    _rebuild_routes(
        cluster,
        {"t_guidance-1": {"aliases": {ALIAS: {}}}},
        reply=lambda r: bulk_reply(r, failing={"courses.lessonpage:3": 400}),
    )

    with pytest.raises(SearchUnavailable, match="1 document.*courses.lessonpage:3"):
        engine.rebuild([indicator, make_entry(3)])

    new = cluster.requests[0].path
    assert cluster.calls() == [("PUT", new), ("PUT", "/_bulk"), ("DELETE", new)]


def test_rebuild_replaces_an_index_that_took_the_alias_name(cluster, engine) -> None:
    # Elasticsearch creates such an index when a document is written to the name first.
    _rebuild_routes(cluster, {ALIAS: {"aliases": {}}})

    engine.rebuild([make_entry(1)])

    new = cluster.requests[0].path[1:]
    assert cluster.requests[-1].body == {
        "actions": [{"add": {"index": new, "alias": ALIAS}}, {"remove_index": {"index": ALIAS}}]
    }
    assert not [call for call in cluster.calls() if call[0] == "DELETE"]


def test_index_entries_creates_the_first_index_with_the_alias_then_writes_through_it(
    cluster, engine, indicator
) -> None:
    cluster.on("HEAD", f"/_alias/{ALIAS}", status=404)
    cluster.on("PUT", f"/{ALIAS}-0", ACK)
    cluster.on("PUT", "/_bulk", bulk_reply)

    engine.index_entries([indicator])

    assert cluster.calls() == [
        ("HEAD", f"/_alias/{ALIAS}"),
        ("PUT", f"/{ALIAS}-0"),
        ("PUT", "/_bulk"),
    ]
    _head, create, write = cluster.requests
    assert create.body == index_definition(f"{ALIAS}-0", alias=ALIAS).to_dict()
    assert write.params == {"require_alias": "true", "refresh": "wait_for"}
    assert write.body[0] == {"index": {"_index": ALIAS, "_id": "framework_content.indicator:40"}}
    assert write.body[1]["suggest"][0]["input"] == ["Labour migration policy", "3.4"]


def test_index_entries_writes_through_an_existing_alias(cluster, engine) -> None:
    cluster.on("HEAD", f"/_alias/{ALIAS}")
    cluster.on("PUT", "/_bulk", bulk_reply)
    engine.index_entries([make_entry(1), make_entry(2)])
    assert cluster.calls() == [("HEAD", f"/_alias/{ALIAS}"), ("PUT", "/_bulk")]
    assert len(cluster.requests[1].body) == 4  # two action lines, two documents


def test_two_workers_creating_the_first_index_share_it(cluster, engine) -> None:
    cluster.on("HEAD", f"/_alias/{ALIAS}", status=404)
    cluster.on(
        "PUT",
        f"/{ALIAS}-0",
        {"error": {"type": "resource_already_exists_exception", "reason": "exists"}},
        status=400,
    )
    cluster.on("PUT", f"/{ALIAS}-0/_alias/{ALIAS}", ACK)
    cluster.on("PUT", "/_bulk", bulk_reply)
    engine.index_entries([make_entry(1)])
    assert cluster.calls() == [
        ("HEAD", f"/_alias/{ALIAS}"),
        ("PUT", f"/{ALIAS}-0"),  # another worker created it first
        ("HEAD", f"/_alias/{ALIAS}"),
        ("PUT", f"/{ALIAS}-0/_alias/{ALIAS}"),
        ("PUT", "/_bulk"),
    ]


def test_delete_keys_deletes_by_key_and_ignores_documents_already_gone(cluster, engine) -> None:
    cluster.on("HEAD", f"/_alias/{ALIAS}")
    cluster.on("PUT", "/_bulk", lambda r: bulk_reply(r, failing={"courses.lessonpage:2": 404}))

    engine.delete_keys(["courses.lessonpage:1", "courses.lessonpage:2", "courses.lessonpage:1"])

    write = cluster.requests[1]
    assert write.body == [
        {"delete": {"_index": ALIAS, "_id": "courses.lessonpage:1"}},
        {"delete": {"_index": ALIAS, "_id": "courses.lessonpage:2"}},
    ]
    assert write.params["require_alias"] == "true"


def test_delete_keys_without_an_index_does_nothing(cluster, engine) -> None:
    cluster.on("HEAD", f"/_alias/{ALIAS}", status=404)
    engine.delete_keys(["courses.lessonpage:1"])
    engine.delete_keys([])
    assert len(cluster.requests) == 1


# --- Errors and construction -------------------------------------------------------------


def test_a_server_that_does_not_answer_makes_search_unavailable() -> None:
    engine = ElasticEngine(client=Elasticsearch("http://127.0.0.1:1", max_retries=0))
    with pytest.raises(SearchUnavailable, match="could not search"):
        engine.search(Query(text="migration"))
    with pytest.raises(SearchUnavailable, match="could not suggest"):
        engine.suggest("mig")
    with pytest.raises(SearchUnavailable, match="could not index"):
        engine.index_entries([make_entry(1)])
    with pytest.raises(SearchUnavailable, match="could not rebuild"):
        engine.rebuild([make_entry(1)])


def test_a_timeout_or_a_missing_index_makes_search_unavailable(cluster, engine) -> None:
    def time_out(request):
        raise ConnectionTimeout("timed out")

    cluster.on("POST", f"/{ALIAS}/_search", time_out)
    with pytest.raises(SearchUnavailable):
        engine.search(Query(text="migration"))

    missing = {"error": {"type": "index_not_found_exception", "reason": "no such index"}}
    cluster.on("POST", f"/{ALIAS}/_search", missing, status=404)
    with pytest.raises(SearchUnavailable, match="index_not_found"):
        engine.search(Query(text="migration"))


def test_the_engine_comes_from_the_settings(settings) -> None:
    settings.ELASTICSEARCH_URL = "http://es.example:9200"
    settings.ELASTICSEARCH_INDEX_PREFIX = "Prod_"
    _client.cache_clear()
    try:
        engine = get_engine()
        assert isinstance(engine, ElasticEngine)
        assert engine.name == "elasticsearch"
        assert engine.alias == "prod_guidance"  # index names are lowercase
        assert engine.client is ElasticEngine.from_settings().client  # one pool per process
        node = next(iter(engine.client.transport.node_pool.all()))
        assert node.base_url == "http://es.example:9200"
    finally:
        _client.cache_clear()
