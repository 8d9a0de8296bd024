"""What a transactional test needs back after the database was flushed.

A flush empties every table; Django's post_migrate then recreates content types and
permissions (with new ids on PostgreSQL), but not the rows Wagtail's migrations made: the
page tree's root, the root collection and the locales. Tests that commit data (browser
tests, concurrency tests) rebuild those here instead of using serialized rollback, whose
restore collides with the recreated content types.
"""

from __future__ import annotations


def ensure_site_base() -> None:
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Collection, Page

    from framework_content.loading import ensure_locales

    ContentType.objects.clear_cache()  # ids may have changed with the flush
    ensure_locales()
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", live=True))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
