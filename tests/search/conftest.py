"""A fixed corpus of guidance entries, and every engine that can search it.

The entries are written directly (not through the indexing pipeline): the behaviour suite
tests what the engines do with a known index. Every body holds the word "MIGOF", so a search
for it matches the whole corpus and facet counts can be checked by hand. The words the tests
search for are chosen to behave alike with and without stemming (SQLite FTS5 does not stem,
PostgreSQL stems English) and are never stop words.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from search.models import GuidanceEntry


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=UTC)


FILLER = (
    "Officials from several ministries met over three days to compare procedures, share data "
    "and agree on next steps for the programme, with support from partners and civil society."
)


def corpus_rows(ids: dict[str, str]) -> list[dict]:
    """The corpus; `ids` maps the reference ids used in facets to real database ids, so the
    service can label them (indicator "EIU16-3.4" → "3.4 Measures to combat …")."""
    i31, i34, i32, i41 = ids["EIU16-3.1"], ids["EIU16-3.4"], ids["EIU16-3.2"], ids["EIU16-4.1"]
    d3, d4 = ids["domain-3"], ids["domain-4"]
    tag31 = {"code": "3.1", "title": "Border control and enforcement", "url": "/i/3-1/"}
    tag34 = {
        "code": "3.4",
        "title": "Measures to combat human trafficking and smuggling",
        "url": "/i/3-4/",
    }
    return [
        {
            "key": "element:p1",
            "kind": "element",
            "title": "P1 Adherence to international standards and migrants' rights",
            "body": "Good MIGOF governance rests on international law and on respecting, "
            "protecting and fulfilling the rights of migrants.",
            "url": "/migof/p1/",
            "language": "en",
            "facets": {"element": ["P1"]},
            "published_at": at(2024, 1, 10),
        },
        {
            "key": "element:p1:fr",
            "kind": "element",
            "title": "P1 Respect des normes internationales et des droits des migrants",
            "body": "La gouvernance MIGOF repose sur le droit international et sur les droits "
            "des migrants.",
            "url": "/fr/migof/p1/",
            "language": "fr",
            "facets": {"element": ["P1"]},
            "published_at": at(2024, 1, 11),
        },
        {
            "key": "module:border",
            "kind": "module",
            "title": "Border management and cooperation",
            "body": "A MIGOF module on how states organise entry and exit, and cooperate "
            "with their neighbours.",
            "url": "/migof/p3/border/",
            "language": "en",
            "trail": [["P3 Strong partnerships", "/migof/p3/"]],
            "tags": [tag31],
            "facets": {
                "element": ["P3"],
                "framework": ["mgi-2016"],
                "domain": [d3],
                "indicator": [i31],
            },
            "published_at": at(2024, 3, 1),
        },
        {
            "key": "lesson:border",
            "kind": "lesson",
            "title": "Border management basics",
            "body": "This MIGOF lesson introduces how states organise entry at their "
            "frontiers and how agencies share information.",
            "url": "/migof/p3/border/basics/",
            "language": "en",
            "trail": [
                ["P3 Strong partnerships", "/migof/p3/"],
                ["Border management and cooperation", "/migof/p3/border/"],
            ],
            "tags": [tag31],
            "facets": {
                "element": ["P3"],
                "framework": ["mgi-2016"],
                "domain": [d3],
                "indicator": [i31],
            },
            "published_at": at(2024, 5, 1),
        },
        {
            "key": "lesson:labour",
            "kind": "lesson",
            "title": "Labour migration schemes",
            "body": "Bilateral schemes, recruitment and remittances: the MIGOF view of "
            "labour mobility.",
            "url": "/migof/o1/labour/schemes/",
            "language": "en",
            "trail": [["O1 Socioeconomic well-being", "/migof/o1/"]],
            "facets": {
                "element": ["O1"],
                "framework": ["mgi-2016"],
                "domain": [d4],
                "indicator": [i41],
            },
            "published_at": at(2023, 11, 1),
        },
        {
            "key": "case:kenya",
            "kind": "case_study",
            "title": "Coordinated reception in Kenya",
            "body": f"{FILLER} {FILLER} The MIGOF review found that reception centres near "
            f"the border needed more staff. {FILLER} {FILLER}",
            "url": "/case-studies/kenya/",
            "language": "en",
            "tags": [tag31],
            "facets": {
                "element": ["P2", "P3"],
                "framework": ["mgi-2016"],
                "domain": [d3],
                "indicator": [i31],
                "country": ["KE"],
                "region": ["africa"],
            },
            "published_at": at(2022, 6, 1),
        },
        {
            "key": "case:mexico",
            "kind": "case_study",
            "title": "Protección de migrantes en México",
            "body": "Un estudio MIGOF sobre la protección de las personas migrantes en tránsito.",
            "url": "/es/case-studies/mexico/",
            "language": "es",
            "tags": [tag34],
            "facets": {
                "element": ["O2"],
                "framework": ["mgi-2016"],
                "domain": [d3],
                "indicator": [i34],
                "country": ["MX"],
                "region": ["americas"],
            },
            "published_at": at(2023, 2, 1),
        },
        {
            "key": "case:route",
            "kind": "case_study",
            "title": "Smuggling networks on the central route",
            "body": "Officials <script>alert(1)</script> & partners in the MIGOF network "
            "found that dismantling smuggling networks needs cooperation across borders.",
            "url": "/case-studies/central-route/",
            "language": "en",
            "tags": [tag34],
            "facets": {
                "element": ["P3"],
                "framework": ["mgi-2016"],
                "domain": [d3],
                "indicator": [i34],
                "country": ["IT"],
                "region": ["europe"],
            },
            "published_at": at(2024, 2, 1),
        },
        {
            "key": "document:resolution",
            "kind": "document",
            "title": "Council resolution welcoming the framework",
            "body": "The Council welcomed the MIGOF in November 2015.",
            "url": "/library/c-106-res-1310/",
            "language": "en",
            "facets": {},
            "published_at": None,
        },
        {
            "key": "indicator:3.1",
            "kind": "indicator",
            "title": "3.1 Border control and enforcement",
            "body": "Whether the country runs an integrated system at its frontiers. MIGOF.",
            "url": "/i/3-1/",
            "language": "en",
            "facets": {"framework": ["mgi-2016"], "domain": [d3], "indicator": [i31]},
            "published_at": None,
        },
        {
            "key": "indicator:3.2",
            "kind": "indicator",
            "title": "3.2 Admission and eligibility criteria",
            "body": "Criteria for entry and stay, published and applied. MIGOF.",
            "url": "/i/3-2/",
            "language": "en",
            "facets": {"framework": ["mgi-2016"], "domain": [d3], "indicator": [i32]},
            "published_at": None,
        },
        {
            "key": "indicator:3.4",
            "kind": "indicator",
            "title": "3.4 Measures to combat human trafficking and smuggling",
            "body": "Laws, agencies and cooperation against trafficking. MIGOF.",
            "url": "/i/3-4/",
            "language": "en",
            "facets": {"framework": ["mgi-2016"], "domain": [d3], "indicator": [i34]},
            "published_at": None,
        },
        {
            "key": "lesson:frontieres",
            "kind": "lesson",
            "title": "Gestion des frontières et coopération",
            "body": "Une leçon MIGOF sur l'entrée et la sortie du territoire.",
            "url": "/fr/migof/p3/frontieres/",
            "language": "fr",
            "facets": {"element": ["P3"], "indicator": [i31]},
            "published_at": at(2024, 6, 1),
        },
    ]


def reference_ids() -> dict[str, str]:
    from framework_content.models import Indicator

    indicators = {
        indicator.ref_id: indicator
        for indicator in Indicator.objects.filter(
            ref_id__in=["EIU16-3.1", "EIU16-3.2", "EIU16-3.4", "EIU16-4.1"]
        ).select_related("domain")
    }
    ids = {ref_id: str(indicator.pk) for ref_id, indicator in indicators.items()}
    ids["domain-3"] = str(indicators["EIU16-3.1"].domain_id)
    ids["domain-4"] = str(indicators["EIU16-4.1"].domain_id)
    return ids


@pytest.fixture
def ids(framework) -> dict[str, str]:
    return reference_ids()


@pytest.fixture
def corpus(ids) -> dict[str, GuidanceEntry]:
    """The fixed corpus, alone in the index (whatever the indexing pipeline wrote before)."""
    GuidanceEntry.objects.all().delete()
    entries = {}
    for row in corpus_rows(ids):
        entries[row["key"]] = GuidanceEntry.objects.create(**row)
    return entries


def _engine_params():
    elastic = pytest.param(
        "elastic",
        marks=pytest.mark.skipif(
            not os.environ.get("ELASTICSEARCH_URL"),
            reason="ELASTICSEARCH_URL is not set (no Elasticsearch server here)",
        ),
    )
    return ["database", elastic]


@pytest.fixture(params=_engine_params())
def engine(request, corpus):
    """Each engine available, with the corpus indexed (a rebuild, as after a deployment)."""
    if request.param == "elastic":
        from search.engines.elastic import ElasticEngine

        engine = ElasticEngine.from_settings()
    else:
        from search.engines.database import DatabaseEngine

        engine = DatabaseEngine()
    engine.rebuild(GuidanceEntry.objects.all())
    return engine


def keys(corpus: dict[str, GuidanceEntry], entry_ids) -> list[str]:
    """Entry ids as corpus keys, for readable assertions."""
    by_id = {entry.pk: key for key, entry in corpus.items()}
    return [by_id.get(entry_id, f"?{entry_id}") for entry_id in entry_ids]
