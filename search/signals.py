"""Signal receivers that keep the guidance index in step: each enqueues a task after commit.

No logic here beyond choosing the task: `search.indexing` decides what an object's change
affects. Pages are indexed on publish, unpublish and move (not on draft saves), removed on
delete, and re-indexed when a view restriction is added to or removed from them or an
ancestor; snippets (indicators, their domains and frameworks, key documents) and Wagtail
documents have no publishing, so their saves and deletes count.

Enqueueing never breaks the write that caused it: a broker that is down, or an error in a
task run eagerly in-process (no broker configured), is logged and the save or publish goes
on; `manage.py rebuild_guidance_index` catches the index up.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.documents import get_document_model
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import indexing
from .tasks import index_object_task, remove_object_task

logger = logging.getLogger("search.indexing")


def _send(task, label: str, pk: int) -> None:
    try:
        task.delay(label, pk)
    except Exception:
        logger.exception(
            "Could not run %s for %s:%s; the guidance index may lag until the next "
            "`manage.py rebuild_guidance_index`.",
            task.name,
            label,
            pk,
        )


def enqueue_index(label: str, pk: int) -> None:
    """Re-index an object (and what shows it) once the current transaction commits."""
    transaction.on_commit(partial(_send, index_object_task, label, pk))


def enqueue_remove(label: str, pk: int) -> None:
    """Remove an object's entry once the current transaction commits."""
    transaction.on_commit(partial(_send, remove_object_task, label, pk))


def _label(instance) -> str:
    return type(instance)._meta.label_lower


# --- Pages -------------------------------------------------------------------------------------


def page_changed(sender, instance, **kwargs) -> None:
    """Published, unpublished or moved: the page's entry and its descendants' (their trails
    and URLs show it). A leaf page of a type that is never indexed is skipped."""
    # The sender is the specific class even when `instance` is a plain Page (moves).
    model = sender if isinstance(sender, type) and issubclass(sender, Page) else type(instance)
    if indexing.is_indexing_relevant(model) or instance.numchild:
        enqueue_index(model._meta.label_lower, instance.pk)


def page_deleted(sender, instance, **kwargs) -> None:
    # Deleting a page deletes its descendants: each fires its own post_delete.
    if _label(instance) in indexing.SOURCES:
        enqueue_remove(_label(instance), instance.pk)
    else:  # the indicators or library page: its indicators or documents leave the index
        enqueue_index(_label(instance), instance.pk)


def view_restriction_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw and instance.page_id:
        enqueue_index(Page._meta.label_lower, instance.page_id)


# --- Snippets and documents ------------------------------------------------------------------


def snippet_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        enqueue_index(_label(instance), instance.pk)


def snippet_deleted(sender, instance, **kwargs) -> None:
    enqueue_remove(_label(instance), instance.pk)


def indicator_deleting(sender, instance, **kwargs) -> None:
    """Before an indicator goes, the pages tagged with it are known: re-index them after."""
    affected = indexing.affected_by(_label(instance), instance.pk)
    for source, pks in affected.items():
        if source is not indexing.INDICATORS:
            for pk in sorted(pks):
                enqueue_index(source.label, pk)


def document_deleting(sender, instance, **kwargs) -> None:
    """Before a Wagtail document goes, the key documents that use it are known (after, their
    `file` is already null): re-index them without its text once it is gone."""
    for source, pks in indexing.affected_by(_label(instance), instance.pk).items():
        for pk in sorted(pks):
            enqueue_index(source.label, pk)


def connect() -> None:
    """Connect every receiver (from `SearchConfig.ready`); safe to call twice."""
    for name, signal in (
        ("published", page_published),
        ("unpublished", page_unpublished),
        ("moved", post_page_move),
    ):
        signal.connect(page_changed, dispatch_uid=f"guidance-search-page-{name}")
    for source in indexing.PAGE_SOURCES:
        post_delete.connect(
            page_deleted, sender=source.model, dispatch_uid=f"guidance-search-{source.label}"
        )
    for model in indexing.SECTION_PAGES:
        post_delete.connect(
            page_deleted, sender=model, dispatch_uid=f"guidance-search-{model._meta.label}"
        )
    for signal in (post_save, post_delete):
        signal.connect(
            view_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"guidance-search-restriction-{signal is post_save}",
        )

    from framework_content.models import (
        Indicator,
        IndicatorDomain,
        IndicatorFramework,
        KeyDocument,
    )

    for model in (Indicator, IndicatorDomain, IndicatorFramework, KeyDocument):
        post_save.connect(
            snippet_saved, sender=model, dispatch_uid=f"guidance-save-{model._meta.label}"
        )
    for model in (Indicator, KeyDocument):
        post_delete.connect(
            snippet_deleted, sender=model, dispatch_uid=f"guidance-delete-{model._meta.label}"
        )
    pre_delete.connect(indicator_deleting, sender=Indicator, dispatch_uid="guidance-ind-del")

    document_model = get_document_model()
    post_save.connect(snippet_saved, sender=document_model, dispatch_uid="guidance-doc-save")
    pre_delete.connect(document_deleting, sender=document_model, dispatch_uid="guidance-doc-del")
