"""What an editor can and cannot save: the page tree, the year, the MIGOF element tag."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from accounts.models import User
from case_studies.models import CaseStudyIndexPage, CaseStudyPage
from framework_content.loading import load_framework
from framework_content.models import FrameworkElementPage, Indicator
from tests.mfa import activate_totp
from training_site.models import HomePage

from .conftest import make_case_study


class PageTreeTests(WagtailPageTestCase):
    def test_case_studies_live_under_their_index_under_home(self):
        self.assertAllowedParentPageTypes(CaseStudyIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(CaseStudyIndexPage, {CaseStudyPage})
        self.assertAllowedParentPageTypes(CaseStudyPage, {CaseStudyIndexPage})
        self.assertAllowedSubpageTypes(CaseStudyPage, set())
        self.assertCanCreateAt(HomePage, CaseStudyIndexPage)
        self.assertCanNotCreateAt(HomePage, CaseStudyPage)
        self.assertCanNotCreateAt(CaseStudyPage, CaseStudyPage)


@pytest.mark.django_db
def test_only_one_case_study_index_per_home(case_index, framework):
    assert not CaseStudyIndexPage.can_create_at(framework)


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [0, 1])
def test_a_year_up_to_next_year_is_accepted(case_index, offset):
    page = make_case_study(case_index, "Recent", year=timezone.now().year + offset)
    page.full_clean()  # no error


@pytest.mark.django_db
@pytest.mark.parametrize("year", ["too_early", "too_late"])
def test_a_year_outside_1945_to_next_year_is_refused_with_its_range(case_index, year):
    page = make_case_study(case_index, "Dated")
    latest = timezone.now().year + 1
    page.year = 1944 if year == "too_early" else latest + 1
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    messages = " ".join(error.value.message_dict["year"])
    assert "1945" in messages
    assert str(latest) in messages


@pytest.mark.django_db
def test_a_blank_year_is_allowed(case_index):
    make_case_study(case_index, "Timeless", year=None).full_clean()


def case_study_form(*, elements: list[int], indicators: list[int], year: str = "2019") -> dict:
    data = nested_form_data(
        {
            "title": "Return and reintegration",
            "slug": "return-and-reintegration",
            "illustrative": "on",
            "country": "",
            "region": "africa",
            "year": year,
            "summary": "A country plans for the return of its nationals.",
            "context": rich_text("<p>Many nationals work abroad.</p>"),
            "policy_response": rich_text("<p>A reintegration programme.</p>"),
            "results": rich_text(""),
            "lessons_learned": rich_text(""),
            "other_sources": rich_text(""),
            "comments": inline_formset([]),
        }
    )
    # Multiple choices are lists, which nested_form_data would split into keys.
    data["migof_elements"] = [str(pk) for pk in elements]
    data["indicators"] = [str(pk) for pk in indicators]
    data["sources"] = []
    return data


class AdminFormTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        load_framework()
        home = HomePage.objects.get()
        cls.index = CaseStudyIndexPage(title="Case studies", slug="case-studies")
        home.add_child(instance=cls.index)
        cls.element = FrameworkElementPage.objects.get(code="O3")
        cls.indicator = Indicator.objects.get(slug="eiu16-3-3")
        cls.user = User.objects.create_superuser(email="root@example.org", password="pw-0123456789")
        activate_totp(cls.user)

    def setUp(self):
        self.client.force_login(self.user)

    def add_url(self):
        return reverse(
            "wagtailadmin_pages:add", args=["case_studies", "casestudypage", self.index.pk]
        )

    def test_editor_creates_a_tagged_case_study(self):
        data = case_study_form(elements=[self.element.pk], indicators=[self.indicator.pk])
        self.assertCanCreate(self.index, CaseStudyPage, data)
        page = CaseStudyPage.objects.get(slug="return-and-reintegration")
        self.assertEqual(list(page.migof_elements.all()), [self.element])
        self.assertEqual(list(page.indicators.all()), [self.indicator])
        self.assertTrue(page.illustrative)

    def test_a_case_study_without_a_migof_element_is_refused(self):
        data = case_study_form(elements=[], indicators=[self.indicator.pk])
        response = self.client.post(self.add_url(), data)
        self.assertEqual(response.status_code, 200)  # the form again, with the error
        self.assertContains(response, "Tag the case study with at least one MIGOF element.")
        self.assertFalse(CaseStudyPage.objects.filter(slug="return-and-reintegration").exists())

    def test_a_year_out_of_range_is_refused_in_the_form(self):
        data = case_study_form(elements=[self.element.pk], indicators=[], year="1900")
        response = self.client.post(self.add_url(), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Enter a year between 1945 and")
        self.assertFalse(Page.objects.filter(slug="return-and-reintegration").exists())


@pytest.mark.django_db
def test_search_index_holds_plain_values(case_index):
    """What a search backend stores must be JSON: the country as its code, not an object."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    page = make_case_study(case_index, "Ghana", country="GH", indicators=("eiu16-1-5",))
    fields = {f.field_name: f for f in CaseStudyPage.get_filterable_search_fields()}
    assert fields["country"].get_value(page) == "GH"
    assert fields["region"].get_value(page) == "europe"
    values = {name: field.get_value(page) for name, field in fields.items()}
    json.dumps(values, cls=DjangoJSONEncoder)  # dates yes (as Elasticsearch's client), objects no
    blank = make_case_study(case_index, "Nowhere")
    assert fields["country"].get_value(blank) == ""
