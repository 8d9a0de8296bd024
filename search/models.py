"""The guidance index: one row per searchable thing, whatever its model.

Element pages, modules, lessons, case studies, key documents (with the text of their PDF)
and indicators are each written here as a `GuidanceEntry` by `search.indexing` when they are
published, saved, unpublished or deleted. Both engines search these rows: the database
engine through Wagtail's search (this model is `index.Indexed`), the Elasticsearch engine
through its own index built from the same rows. So every result, facet and suggestion has
one shape whatever the engine, and quiz questions (never written here) can never leak.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.search import index


class EntryKind(models.TextChoices):
    ELEMENT = "element", _("MIGOF element")
    MODULE = "module", _("Module")
    LESSON = "lesson", _("Lesson")
    CASE_STUDY = "case_study", _("Case study")
    DOCUMENT = "document", _("Key document")
    INDICATOR = "indicator", _("Indicator")


class GuidanceEntry(index.Indexed, models.Model):
    # "<app_label>.<model>:<pk>": which object this entry stands for (unique).
    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    title = models.CharField(max_length=500)
    # Plain text, markup removed: what the extract is cut from.
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    language = models.CharField(max_length=10)
    # Where it sits: [[title, url], ...] from the top (element › module).
    trail = models.JSONField(default=list, blank=True)
    # The indicator tags shown on the result: [{"code", "title", "url"}, ...].
    tags = models.JSONField(default=list, blank=True)
    # Facet values, each a list of strings (see search.facets.FACETS):
    # {"element": ["P1"], "framework": ["eiu16"], "domain": ["<id>"], "indicator": ["<id>"],
    #  "country": ["KE"], "region": ["africa"]}. Type and language are columns.
    facets = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)  # for "newest first"
    indexed_at = models.DateTimeField(auto_now=True)

    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("body"),
        index.AutocompleteField("title"),
        index.FilterField("kind"),
        index.FilterField("language"),
    ]

    class Meta:
        verbose_name = _("guidance index entry")
        verbose_name_plural = _("guidance index entries")
        indexes = [models.Index(fields=["kind", "language"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"
