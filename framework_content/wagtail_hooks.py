"""Admin wiring for the knowledge base: the indicator frameworks and key documents as snippets,
grouped under one "Knowledge base" menu (bakerydemo ``base/wagtail_hooks.py``)."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Indicator, IndicatorDomain, IndicatorFramework, KeyDocument


class IndicatorFrameworkViewSet(SnippetViewSet):
    model = IndicatorFramework
    icon = "list-ul"
    menu_label = _("Frameworks")
    list_display = ["title", "short_title", "slug", "status"]
    list_filter = ["status"]
    ordering = ["sort_order", "title"]


class IndicatorDomainViewSet(SnippetViewSet):
    model = IndicatorDomain
    icon = "folder-open-inverse"
    menu_label = _("Domains")
    list_display = ["code", "title", "framework", "status"]
    list_filter = ["framework", "status", "mapping_status"]
    list_per_page = 50
    # Filters on fields the search index does not carry, so search the database directly:
    # works the same on SQLite, PostgreSQL and with Elasticsearch configured.
    search_backend_name = None
    search_fields = ["code", "title", "short_label", "description"]

    def get_queryset(self, request):
        return IndicatorDomain.objects.select_related("framework")


class IndicatorViewSet(SnippetViewSet):
    model = Indicator
    icon = "tag"
    menu_label = _("Indicators")
    list_display = ["code", "title", "domain", "status"]
    list_filter = ["domain__framework", "status"]
    list_per_page = 50
    search_backend_name = None
    search_fields = ["code", "title", "description", "ref_id"]

    def get_queryset(self, request):
        return Indicator.objects.select_related("domain__framework")


class KeyDocumentViewSet(SnippetViewSet):
    model = KeyDocument
    icon = "doc-full"
    menu_label = _("Key documents")
    list_display = ["symbol", "title", "doc_type", "year", "status"]
    list_filter = ["doc_type", "status"]
    search_backend_name = None
    search_fields = ["symbol", "title", "description", "issuing_body"]


class KnowledgeBaseGroup(SnippetViewSetGroup):
    menu_label = _("Knowledge base")
    menu_icon = "globe"
    menu_order = 250
    items = (
        IndicatorFrameworkViewSet,
        IndicatorDomainViewSet,
        IndicatorViewSet,
        KeyDocumentViewSet,
    )


register_snippet(KnowledgeBaseGroup)
