"""Admin wiring for the question bank: the Question snippet under a "Question bank" menu,
and the import view."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_views import PERMISSION, import_questions_view
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
        ]


register_snippet(QuestionBankGroup)


@hooks.register("register_admin_urls")
def register_import_url():
    return [path("questions/import/", import_questions_view, name="quizzes_import")]
