"""The page tree: what may go where, every page type renders and previews, and editors (not
trainers) create and publish pages through the admin forms."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from accounts.choices import Role
from accounts.mfa import user_requires_mfa
from accounts.models import User
from case_studies.models import CaseStudyIndexPage, CaseStudyPage
from courses.models import CourseIndexPage
from framework_content.choices import ElementKind
from framework_content.loading import load_framework
from framework_content.models import (
    FrameworkElementPage,
    FrameworkPage,
    Indicator,
    IndicatorDomain,
    IndicatorFramework,
    IndicatorIndexPage,
    LessonPage,
    LibraryPage,
    ModulePage,
)
from quizzes.models import QuizPage
from tests.mfa import activate_totp
from training_site.models import HomePage

ALL_TYPES = [
    HomePage,
    FrameworkPage,
    FrameworkElementPage,
    ModulePage,
    LessonPage,
    IndicatorIndexPage,
    LibraryPage,
]

# parent type -> the only page types allowed under it
ALLOWED_CHILDREN = {
    HomePage: {FrameworkPage, IndicatorIndexPage, LibraryPage, CourseIndexPage, CaseStudyIndexPage},
    FrameworkPage: {FrameworkElementPage},
    FrameworkElementPage: {ModulePage},
    ModulePage: {LessonPage, QuizPage},
    QuizPage: set(),
    CaseStudyIndexPage: {CaseStudyPage},
    CaseStudyPage: set(),
    LessonPage: set(),
    IndicatorIndexPage: set(),
    LibraryPage: set(),
}


def make_user(email: str, role: Role | None = None, *, superuser: bool = False) -> User:
    if superuser:
        user = User.objects.create_superuser(email=email, password="pw-0123456789")
    else:
        user = User.objects.create_user(email=email, password="pw-0123456789")
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    if user_requires_mfa(user):
        activate_totp(user)  # staff reach the admin only with two-factor authentication
    return user


def comments():
    return inline_formset([])


def home_data(title="Academy home"):
    return nested_form_data(
        {
            "title": title,
            "slug": "academy-home",
            "lead": "Learn migration governance.",
            "intro": rich_text("<p>Welcome.</p>"),
            "learn_text": "",
            "teach_text": "",
            "guidance_text": "",
            "comments": comments(),
        }
    )


def framework_page_data():
    return nested_form_data(
        {
            "title": "MIGOF",
            "slug": "migof",
            "subtitle": "Migration Governance Framework",
            "intro": rich_text("<p>Three principles and three objectives.</p>"),
            "body": streamfield([("heading", "Where it comes from")]),
            "comments": comments(),
        }
    )


def element_data(code="P1"):
    return nested_form_data(
        {
            "title": "Adherence to international standards",
            "slug": f"element-{code.lower()}",
            "kind": ElementKind.PRINCIPLE,
            "code": code,
            "council_wording": "",
            "summary": "Good migration governance adheres to international standards.",
            "body": streamfield([]),
            "status": "confirmed",
            "comments": comments(),
        }
    )


def module_data(indicator_ids):
    data = nested_form_data(
        {
            "title": "Institutions for migration",
            "slug": "institutions",
            "summary": "Who governs migration and how.",
            "learning_outcomes": streamfield(
                [("outcome", "Name the institutions that govern migration")]
            ),
            "estimated_minutes": "45",
            "comments": comments(),
        }
    )
    # A multiple choice: a list, which nested_form_data would split into keys.
    data["indicators"] = [str(pk) for pk in indicator_ids]
    return data


def lesson_data(indicator_ids, title="Institutional frameworks"):
    data = nested_form_data(
        {
            "title": title,
            "summary": "A first lesson.",
            "estimated_minutes": "10",
            "body": streamfield(
                [
                    ("heading", "Why institutions matter"),
                    ("paragraph", rich_text("<p>Institutions make policy last.</p>")),
                ]
            ),
            "comments": comments(),
        }
    )
    data["indicators"] = [str(pk) for pk in indicator_ids]
    return data


def section_data(title, slug):
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "intro": rich_text(f"<p>{title}</p>"),
            "comments": comments(),
        }
    )


def edit_form_data(client, page, stream_data: dict) -> tuple[str, dict]:
    """The admin edit form as the browser would post it. StreamFields are drawn by
    JavaScript, so their data is given explicitly (with ``streamfield()``)."""
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    for key, value in nested_form_data(stream_data).items():
        data[key] = value
    return url, data


class PageTreeTests(WagtailPageTestCase):
    """Every page type declares where it may live and what may live under it."""

    def test_allowed_subpage_types(self):
        for parent, children in ALLOWED_CHILDREN.items():
            self.assertAllowedSubpageTypes(parent, children)

    def test_allowed_parent_page_types(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedParentPageTypes(FrameworkPage, {HomePage})
        self.assertAllowedParentPageTypes(FrameworkElementPage, {FrameworkPage})
        self.assertAllowedParentPageTypes(ModulePage, {FrameworkElementPage})
        self.assertAllowedParentPageTypes(LessonPage, {ModulePage})
        self.assertAllowedParentPageTypes(IndicatorIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(LibraryPage, {HomePage})
        self.assertAllowedParentPageTypes(QuizPage, {ModulePage})
        self.assertAllowedParentPageTypes(CaseStudyIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(CaseStudyPage, {CaseStudyIndexPage})

    def test_can_and_cannot_create_at(self):
        self.assertCanCreateAt(Page, HomePage)
        for parent, children in ALLOWED_CHILDREN.items():
            for child in ALL_TYPES:
                if child in children:
                    self.assertCanCreateAt(parent, child)
                else:
                    self.assertCanNotCreateAt(parent, child)
        # A lesson never sits straight under an element, nor a module under the overview.
        self.assertCanNotCreateAt(FrameworkElementPage, LessonPage)
        self.assertCanNotCreateAt(FrameworkPage, ModulePage)


class RenderAndPreviewTests(WagtailPageTestCase):
    """The tree `load_framework` builds, plus a module and a lesson, renders and previews."""

    @classmethod
    def setUpTestData(cls):
        load_framework()
        cls.home = HomePage.objects.get()
        cls.overview = FrameworkPage.objects.get()
        cls.element = FrameworkElementPage.objects.get(code="P1")
        cls.indicator = Indicator.objects.get(ref_id="EIU16-1.1")
        cls.module = ModulePage(
            title="Institutions for migration",
            slug="institutions",
            summary="Who governs migration.",
        )
        cls.element.add_child(instance=cls.module)
        cls.module.indicators.add(cls.indicator)
        cls.module.save_revision().publish()
        cls.lesson = LessonPage(
            title="Institutional frameworks",
            slug="institutional-frameworks",
            body=[("heading", "Why institutions matter")],
        )
        cls.module.add_child(instance=cls.lesson)
        cls.lesson.save_revision().publish()
        cls.indicators_page = IndicatorIndexPage.objects.get()
        cls.library = LibraryPage.objects.get()
        cls.superuser = make_user("root@example.org", superuser=True)

    def pages(self):
        return [
            self.home,
            self.overview,
            self.element,
            self.module,
            self.lesson,
            self.indicators_page,
            self.library,
        ]

    def test_every_page_type_is_covered(self):
        self.assertEqual({type(p) for p in self.pages()}, set(ALL_TYPES))

    def test_pages_are_renderable(self):
        for page in self.pages():
            with self.subTest(page=type(page).__name__):
                self.assertPageIsRenderable(page)

    def test_routes_are_renderable(self):
        self.assertPageIsRenderable(self.indicators_page, route_path="/crosswalk/")
        self.assertPageIsRenderable(self.indicators_page, route_path="/mgi-2016/")
        self.assertPageIsRenderable(self.indicators_page, route_path="/mgi-2016/eiu16-1-1/")
        self.assertPageIsRenderable(self.library, route_path="/a-res-73-195/")
        self.assertPageIsRenderable(self.indicators_page, route_path="/nope/", accept_404=True)
        response = self.client.get(self.indicators_page.url + "no-such-framework/")
        self.assertEqual(response.status_code, 404)

    def test_pages_are_previewable(self):
        # StreamFields are drawn by JavaScript, so pages with them get their form data here.
        post_data = {
            self.overview.pk: framework_page_data(),
            self.element.pk: element_data("P1") | {"slug": self.element.slug},
            self.module.pk: module_data([self.indicator.pk]),
            self.lesson.pk: lesson_data([self.indicator.pk]) | {"slug": "institutional-frameworks"},
        }
        for page in self.pages():
            with self.subTest(page=type(page).__name__):
                self.assertPageIsPreviewable(
                    page, user=self.superuser, post_data=post_data.get(page.pk)
                )

    def test_module_page_lists_its_lessons_and_indicators(self):
        response = self.client.get(self.module.url)
        self.assertContains(response, "Institutional frameworks")
        self.assertContains(response, "Institutional framework")


class AdminCreationTests(WagtailPageTestCase):
    """The whole tree, page by page, through the admin's create forms."""

    @classmethod
    def setUpTestData(cls):
        # A fresh site: only Wagtail's root, plus one indicator to tag. The session's
        # knowledge base is removed (inside this class's transaction) to start from nothing.
        for page in Page.objects.filter(depth=2):
            page.delete()
        framework = IndicatorFramework.objects.create(
            ref_id="T", slug="t", title="Test framework", short_title="T"
        )
        domain = IndicatorDomain.objects.create(
            ref_id="T-1", framework=framework, code="1", title="Institutions"
        )
        cls.indicator = Indicator.objects.create(
            ref_id="T-1.1", domain=domain, slug="t-1-1", code="1.1", title="Institutional framework"
        )
        cls.root = Page.get_first_root_node()
        cls.superuser = make_user("root@example.org", superuser=True)
        cls.editor = make_user("editor@example.org", Role.EDITORS)

    def create_tree(self):
        self.assertCanCreate(self.root, HomePage, home_data())
        home = HomePage.objects.get(slug="academy-home")
        self.assertCanCreate(home, FrameworkPage, framework_page_data())
        self.assertCanCreate(home, IndicatorIndexPage, section_data("Indicators", "indicators"))
        self.assertCanCreate(home, LibraryPage, section_data("Library", "library"))
        overview = FrameworkPage.objects.get()
        self.assertCanCreate(overview, FrameworkElementPage, element_data("P1"))
        element = FrameworkElementPage.objects.get(code="P1")
        self.assertCanCreate(element, ModulePage, module_data([self.indicator.pk]))
        module = ModulePage.objects.get()
        self.assertCanCreate(module, LessonPage, lesson_data([self.indicator.pk]))
        lesson = LessonPage.objects.get()
        for model in ALL_TYPES:
            page = model.objects.get()
            self.assertTrue(page.live, f"{model.__name__} was not published")
        self.assertEqual(lesson.get_parent().pk, module.pk)
        self.assertEqual(list(lesson.indicators.all()), [self.indicator])
        self.assertEqual(list(module.indicators.all()), [self.indicator])
        self.assertEqual(lesson.body[0].block_type, "heading")
        self.assertEqual(element.kind, ElementKind.PRINCIPLE)

    def test_superuser_creates_and_publishes_every_page_type(self):
        self.client.force_login(self.superuser)
        self.create_tree()

    def test_editor_creates_and_publishes_every_page_type(self):
        self.client.force_login(self.editor)
        self.create_tree()
        self.assertEqual(LessonPage.objects.get().live_revision.user, self.editor)


class RoleTests(WagtailPageTestCase):
    """Trainers draft; editors publish and edit."""

    @classmethod
    def setUpTestData(cls):
        load_framework()
        cls.element = FrameworkElementPage.objects.get(code="P1")
        cls.indicator = Indicator.objects.get(ref_id="EIU16-1.1")
        cls.module = ModulePage(title="Institutions", slug="institutions", summary="Who governs.")
        cls.element.add_child(instance=cls.module)
        cls.module.save_revision().publish()
        cls.trainer = make_user("trainer@example.org", Role.TRAINERS)
        cls.editor = make_user("editor@example.org", Role.EDITORS)

    def test_trainer_creates_a_draft_lesson(self):
        self.client.force_login(self.trainer)
        self.assertCanCreate(
            self.module, LessonPage, lesson_data([self.indicator.pk]), publish=False
        )
        lesson = LessonPage.objects.get(title="Institutional frameworks")
        self.assertFalse(lesson.live)
        self.assertEqual(lesson.latest_revision.user, self.trainer)

    def test_trainer_cannot_publish_a_lesson(self):
        self.client.force_login(self.trainer)
        data = lesson_data([self.indicator.pk])
        data["slug"] = "institutional-frameworks"
        data["action-publish"] = "action-publish"
        url = reverse(
            "wagtailadmin_pages:add", args=["framework_content", "lessonpage", self.module.pk]
        )
        self.client.post(url, data)
        lesson = LessonPage.objects.get(slug="institutional-frameworks")
        self.assertFalse(lesson.live)
        self.assertIsNone(lesson.live_revision)
        # Nor can the trainer publish the draft afterwards.
        publish_url = reverse("wagtailadmin_pages:edit", args=[lesson.pk])
        edit = self.client.get(publish_url)
        self.assertEqual(edit.status_code, 200)
        self.assertNotContains(edit, 'name="action-publish"')
        _, post = edit_form_data(
            self.client, lesson, {"body": streamfield([("heading", "Why institutions matter")])}
        )
        post["action-publish"] = "action-publish"
        self.client.post(publish_url, post)
        lesson.refresh_from_db()
        self.assertFalse(lesson.live)

    def test_editor_edits_and_publishes_through_the_edit_view(self):
        self.client.force_login(self.editor)
        url, data = edit_form_data(
            self.client, self.element, {"body": streamfield([("heading", "In practice")])}
        )
        data["summary"] = "Edited by an editor."
        data["action-publish"] = "action-publish"
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        self.element.refresh_from_db()
        self.assertEqual(self.element.summary, "Edited by an editor.")
        self.assertEqual(self.element.live_revision.user, self.editor)
        self.assertContains(self.client.get(self.element.url), "Edited by an editor.")

    def test_editor_publishes_a_trainers_draft(self):
        lesson = LessonPage(title="Draft", slug="draft", body=[("heading", "Draft")], live=False)
        self.module.add_child(instance=lesson)
        lesson.save_revision(user=self.trainer)
        self.client.force_login(self.editor)
        url, data = edit_form_data(
            self.client, lesson, {"body": streamfield([("heading", "Draft")])}
        )
        data["action-publish"] = "action-publish"
        self.assertEqual(self.client.post(url, data).status_code, 302)
        lesson.refresh_from_db()
        self.assertTrue(lesson.live)
