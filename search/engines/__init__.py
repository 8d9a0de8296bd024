"""The engines behind the guidance search service (search.service).

`database` (default): Wagtail's search over `GuidanceEntry` (SQLite FTS5 locally, PostgreSQL
full text in production). `elastic`: Elasticsearch 8 through `elasticsearch.dsl`, chosen when
ELASTICSEARCH_URL is set. Both implement `base.Engine`.
"""

from __future__ import annotations

from django.conf import settings

from .base import Engine


def get_engine() -> Engine:
    if getattr(settings, "ELASTICSEARCH_URL", ""):
        from .elastic import ElasticEngine

        return ElasticEngine.from_settings()
    from .database import DatabaseEngine

    return DatabaseEngine()
