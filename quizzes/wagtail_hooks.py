"""Admin wiring for the question bank: the Question snippet under a "Question bank" menu,
the import and export views, and the listing's "Export selected" bulk action."""

from django.shortcuts import redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_views import (
    EXPORT_PERMISSION,
    PERMISSION,
    export_questions_view,
    import_questions_view,
)
from .models import Question


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    list_display = ["title", "kind", "difficulty", "language"]
    list_filter = ["kind", "difficulty", "language", "indicators"]
    list_per_page = 50
    # Questions are never in the search index (their texts carry the answers): search the
    # database, titles only.
    search_backend_name = None
    search_fields = ["title"]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


class ExportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(EXPORT_PERMISSION)


class QuestionBankGroup(SnippetViewSetGroup):
    menu_label = _("Question bank")
    menu_icon = "help"
    menu_order = 260
    items = (QuestionViewSet,)

    def get_submenu_items(self):
        return [
            *super().get_submenu_items(),
            ImportMenuItem(
                _("Import questions"),
                reverse_lazy("quizzes_import"),
                icon_name="upload",
                order=900,
            ),
            ExportMenuItem(
                _("Export questions"),
                reverse_lazy("quizzes_export"),
                icon_name="download",
                order=910,
            ),
        ]


register_snippet(QuestionBankGroup)


@hooks.register("register_admin_urls")
def register_question_bank_urls():
    return [
        path("questions/import/", import_questions_view, name="quizzes_import"),
        path("questions/export/", export_questions_view, name="quizzes_export"),
    ]


@hooks.register("register_bulk_action")
class ExportSelectedBulkAction(SnippetBulkAction):
    """Sends the selected questions to the export screen (`?id=1&id=2`), which checks the
    permission and the ids; "select all" there means the whole bank, so no ids."""

    display_name = _("Export selected")
    action_type = "export"
    aria_label = _("Export the selected questions")
    action_priority = 50
    models = [Question]
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        ids = request.GET.getlist("id")
        query = "" if "all" in ids else urlencode([("id", pk) for pk in ids])
        url = reverse("quizzes_export")
        return redirect(f"{url}?{query}" if query else url)


from . import admin_statistics, dashboard  # noqa: E402,F401 - registers their hooks
