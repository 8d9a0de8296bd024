"""Course page types: where they may be created, and an editor authoring a course in the admin."""

from __future__ import annotations

from django.contrib.auth.models import Group
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from accounts.choices import Role
from accounts.models import User
from courses.models import CourseIndexPage, CoursePage
from framework_content.models import FrameworkElementPage, LessonPage, ModulePage
from tests.mfa import activate_totp
from training_site.models import HomePage


class CoursePageTypeTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get()
        element = FrameworkElementPage.objects.get(code="P1")
        cls.module = ModulePage(title="Rights", slug="rights-module", summary="Rights.")
        element.add_child(instance=cls.module)
        cls.module.add_child(
            instance=LessonPage(
                title="Why rights",
                slug="why-rights",
                body=[{"type": "paragraph", "value": "<p>Rights.</p>"}],
            )
        )
        cls.editor = User.objects.create_user(
            email="editor@example.org", password="pw-0123456789", full_name="Eli Editor"
        )
        cls.editor.groups.add(Group.objects.get(name=Role.EDITORS.value))
        activate_totp(cls.editor)

    def test_tree_rules(self):
        self.assertAllowedParentPageTypes(CourseIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(CourseIndexPage, {CoursePage})
        self.assertAllowedParentPageTypes(CoursePage, {CourseIndexPage})
        self.assertAllowedSubpageTypes(CoursePage, set())
        self.assertCanNotCreateAt(FrameworkElementPage, CoursePage)
        self.assertCanNotCreateAt(ModulePage, CoursePage)

    def test_editor_creates_a_catalogue_and_a_course_that_renders_and_previews(self):
        self.client.force_login(self.editor)
        self.assertCanCreate(
            self.home,
            CourseIndexPage,
            nested_form_data(
                {
                    "title": "Courses",
                    "slug": "courses",
                    "intro": rich_text("<p>Our courses.</p>"),
                    "comments": inline_formset([]),
                }
            ),
        )
        index = CourseIndexPage.objects.get()
        data = nested_form_data(
            {
                "title": "Rights in practice",
                "slug": "rights-in-practice",
                "summary": "A short course on migrants' rights.",
                "audience": "Officials of labour ministries.",
                "level": "introductory",
                "course_language": "en",
                "estimated_hours": "1.5",
                "issues_certificate": "on",
                "learning_outcomes": streamfield([("outcome", "Explain the principle")]),
                "course_modules": inline_formset([{"module": self.module.pk}]),
                "comments": inline_formset([]),
            }
        )
        self.assertCanCreate(index, CoursePage, data)
        course = CoursePage.objects.get(slug="rights-in-practice")
        self.assertTrue(course.live)
        self.assertEqual([link.module_id for link in course.course_modules.all()], [self.module.pk])
        self.assertPageIsRenderable(course)
        self.assertPageIsRenderable(index)
        self.assertPageIsPreviewable(course, user=self.editor, post_data=data)
        response = self.client.get(course.url)
        self.assertContains(response, "Why rights")

    def test_a_course_needs_at_least_one_module(self):
        self.client.force_login(self.editor)
        index = CourseIndexPage(title="Courses", slug="courses")
        self.home.add_child(instance=index)
        data = nested_form_data(
            {
                "title": "Empty",
                "slug": "empty",
                "summary": "Nothing in it.",
                "level": "introductory",
                "course_language": "en",
                "estimated_hours": "1",
                "learning_outcomes": streamfield([]),
                "course_modules": inline_formset([]),
                "comments": inline_formset([]),
            }
        )
        url = f"/admin/pages/add/courses/coursepage/{index.pk}/"
        response = self.client.post(url, {**data, "action-publish": "publish"})
        self.assertEqual(response.status_code, 200)  # the form again, with its error
        self.assertFalse(CoursePage.objects.filter(slug="empty").exists())
