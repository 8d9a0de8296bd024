"""Guidance entries for the search tests that write the index directly."""

from __future__ import annotations

from search.models import EntryKind, GuidanceEntry


def lesson(key: str, title: str, body: str = "Border management.", facets=None) -> GuidanceEntry:
    """An unsaved English lesson entry, its URL made from its key."""
    return GuidanceEntry(
        key=key,
        kind=EntryKind.LESSON,
        title=title,
        body=body,
        url="/" + key.replace(".", "-").replace(":", "/") + "/",
        language="en",
        facets={} if facets is None else facets,
    )
