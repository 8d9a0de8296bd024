"""Exporting questions from the admin: filters, the count before download, the file, and
the listing's "Export selected" bulk action."""

from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from framework_content.models import FrameworkElementPage, Indicator
from quizzes import services
from quizzes.formats.gift import parse_gift
from quizzes.formats.moodle_xml import parse_moodle_xml
from quizzes.formats.report import ImportedQuestion, ImportReport
from quizzes.models import Question
from quizzes.questions import QuestionKind
from tests.quizzes import samples

pytestmark = pytest.mark.django_db

EXPORT_URL = "/admin/questions/export/"
BULK_URL = "/admin/bulk/quizzes/question/export/"
FIRST, SECOND = "EIU16-1.1", "EIU16-2.1"


def make_member(email: str, role: Role, staff_mfa) -> User:
    user = User.objects.create_user(email=email, password="pw-0123456789")
    user.groups.add(Group.objects.get(name=role.value))
    if role != Role.TRAINEES:
        staff_mfa(user)
    return user


def add_questions(*data, tags=(FIRST,), language="en", author=None) -> list[Question]:
    """Save the sample questions as the importer would (tags -> indicators)."""
    items = [
        ImportedQuestion(i, q.title, dataclasses.replace(q, tags=tags))
        for i, q in enumerate(data, start=1)
    ]
    return services.import_questions(
        report=ImportReport(items=items), default_indicators=[], user=author, language=language
    )


@pytest.fixture
def trainer(framework, staff_mfa) -> User:
    return make_member("trainer@example.org", Role.TRAINERS, staff_mfa)


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


def export(client, **params):
    return client.get(EXPORT_URL, params)


def download(client, **params):
    return client.get(EXPORT_URL, {**params, "download": "1"})


def data_by_title(questions) -> dict:
    return {q.title: q.to_data() for q in questions}


def reimport(content: bytes, fmt: str, author) -> list[Question]:
    report = parse_moodle_xml(content) if fmt == "xml" else parse_gift(content.decode("utf-8"))
    assert not report.rejected, [item.error for item in report.rejected]
    saved = services.import_questions(report=report, default_indicators=[], user=author)
    return list(Question.objects.filter(pk__in=[q.pk for q in saved]))


# --- the screen ----------------------------------------------------------------------


def test_export_is_in_the_question_bank_menu_after_import(trainer_client):
    home = trainer_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Export questions" in home
    assert home.index("/admin/questions/import/") < home.index(EXPORT_URL)
    assert reverse("quizzes_export") == EXPORT_URL


def test_the_screen_counts_and_lists_the_whole_bank_before_any_download(trainer_client):
    add_questions(samples.SINGLE, samples.SHORT, samples.MATCHING)
    response = export(trainer_client)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "The whole bank: 3 questions" in html
    for title in ("MiGOF: principles", "Acronym", "Principles and objectives"):
        assert title in html
    assert "Download the Moodle XML file" in html
    assert 'type="radio"' in html and 'name="format"' in html
    for label in ("Indicators", "MIGOF elements", "Kinds", "Difficulty", "Language"):
        assert label in html


def test_filters_narrow_the_questions_and_the_download_link_keeps_them(trainer_client):
    single, short = add_questions(samples.SINGLE, samples.SHORT)
    [tagged] = add_questions(samples.TRUE_FALSE, tags=(SECOND,))
    [french] = add_questions(samples.MULTIPLE, language="fr")
    Question.objects.filter(pk=short.pk).update(difficulty="hard")
    element = FrameworkElementPage.objects.order_by("path").first()
    single.migof_elements.set([element])
    single.save()

    def titles(**params) -> set[str]:
        response = export(trainer_client, **params)
        assert response.status_code == 200, response.content
        return {q.title for q in response.context["plan"].included}

    assert titles(kind="short_answer") == {"Acronym"}
    assert titles(kind=["short_answer", "true_false"]) == {"Acronym", "Welcomed in 2015"}
    assert titles(difficulty="hard") == {"Acronym"}
    assert titles(language="fr") == {"Objectives"}
    second = Indicator.objects.get(ref_id=SECOND)
    assert titles(indicator=second.pk) == {tagged.title}
    assert titles(element=element.pk) == {"MiGOF: principles"}
    assert titles(language="en", difficulty="medium") == {"MiGOF: principles", tagged.title}
    assert titles(id=[single.pk, french.pk]) == {"MiGOF: principles", "Objectives"}
    assert titles(id=[single.pk, french.pk], language="fr") == {"Objectives"}

    response = export(trainer_client, kind="short_answer", format="gift")
    assert "1 question matches" in response.content.decode()
    assert "kind=short_answer" in response.context["download_url"]
    assert "format=gift" in response.context["download_url"]
    assert response.context["download_url"].endswith("download=1")


def test_no_match_says_so_and_offers_no_download(trainer_client):
    add_questions(samples.SINGLE)
    response = export(trainer_client, kind="matching")
    html = response.content.decode()
    assert "0 questions match" in html
    assert "No question matches these choices" in html
    assert "download=1" not in html


# --- the file ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "suffix", "content_type"),
    [
        ("xml", ".xml", "application/xml; charset=utf-8"),
        ("gift", ".gift.txt", "text/plain; charset=utf-8"),
    ],
)
def test_the_download_is_an_attachment_named_by_date(trainer_client, fmt, suffix, content_type):
    add_questions(samples.SINGLE)
    response = download(trainer_client, format=fmt)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    name = f"questions-{timezone.localdate():%Y%m%d}{suffix}"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'


def test_moodle_xml_download_reimports_into_the_same_questions(trainer_client, trainer):
    originals = add_questions(*samples.ALL_KINDS)
    response = download(trainer_client, format="xml")
    assert response.status_code == 200
    copies = reimport(response.content, "xml", trainer)
    assert len(copies) == len(samples.ALL_KINDS)
    assert data_by_title(copies) == data_by_title(originals)


def test_gift_leaves_ordering_out_says_why_and_the_rest_reimports(trainer_client, trainer):
    originals = add_questions(*samples.ALL_KINDS)
    response = export(trainer_client, format="gift")
    html = response.content.decode()
    assert "This question cannot be written in GIFT and is left out of the file" in html
    assert "GIFT has no ordering questions" in html
    assert "Policy cycle" in html
    assert f"The GIFT file holds the other {len(samples.GIFT_KINDS)} questions only." in html
    [(left_out, _reason)] = response.context["plan"].left_out
    assert left_out.kind == QuestionKind.ORDERING

    response = download(trainer_client, format="gift")
    assert response.status_code == 200
    copies = reimport(response.content, "gift", trainer)
    expected = [q for q in originals if q.kind != QuestionKind.ORDERING]
    assert len(copies) == len(expected)
    assert data_by_title(copies) == data_by_title(expected)


def test_only_ordering_questions_in_gift_give_no_file_and_a_clear_message(trainer_client):
    add_questions(samples.ORDERING)
    for response in (
        export(trainer_client, format="gift"),
        download(trainer_client, format="gift"),
    ):
        html = response.content.decode()
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert "Content-Disposition" not in response
        assert "None of these questions can be written in GIFT" in html
        assert "download=1" not in html


# Session, user and group permissions, admin profile (the user row is kept between
# requests, accounts.kept_user; the session records its TOTP step: no query for it); then
# the questions and their choices, pairs, accepted answers and indicators (prefetched).
EXPORT_QUERIES = 9
# The same, plus the screen: the indicator and element choices, the admin menu and chrome.
SCREEN_QUERIES = 15


@pytest.mark.parametrize("fmt", ["xml", "gift"])
def test_export_runs_the_same_queries_whatever_the_number_of_questions(
    trainer_client, django_assert_num_queries, fmt
):
    every_kind = {"format": fmt, "kind": list(QuestionKind)}
    add_questions(*samples.ALL_KINDS)
    download(trainer_client, format=fmt)  # warm the session, site and permission caches
    with django_assert_num_queries(EXPORT_QUERIES):
        small = download(trainer_client, format=fmt)
    with django_assert_num_queries(SCREEN_QUERIES):
        export(trainer_client, **every_kind)

    add_questions(*samples.ALL_KINDS, *samples.ALL_KINDS, tags=(FIRST, SECOND))
    with django_assert_num_queries(EXPORT_QUERIES):
        large = download(trainer_client, format=fmt)
    with django_assert_num_queries(SCREEN_QUERIES):
        screen = export(trainer_client, **every_kind)
    assert len(large.content) > 2 * len(small.content)
    assert screen.context["matched"] == 3 * len(samples.ALL_KINDS)


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"format": "pdf"}, "Unknown format pdf: choose Moodle XML or GIFT."),
        ({"id": ["1", "abc"]}, "Question ids are whole numbers; these are not: “abc”."),
        ({"id": "-3"}, "Question ids are whole numbers; these are not: “-3”."),
        ({"id": "9" * 40}, "Question ids are whole numbers"),
        ({"id": [str(n) for n in range(1, 2002)]}, "Select at most 2000 questions"),
        ({"id": "999999"}, "No question has the id 999999"),
        ({"kind": "essay"}, "Unknown kind of question: essay."),
        ({"difficulty": "extreme"}, "Unknown difficulty: extreme."),
        ({"language": "de"}, "Unknown language: de."),
        ({"indicator": "abc"}, "“abc” is not an indicator id."),
        ({"indicator": "999999"}, "No indicator has the id 999999."),
        ({"indicator": "9" * 40}, "is not an indicator id."),
        ({"element": "9" * 40}, "is not a MIGOF element id."),
        ({"element": "999999"}, "No MIGOF element has the id 999999."),
    ],
)
def test_bad_input_redisplays_the_form_with_an_error(trainer_client, params, message):
    add_questions(samples.SINGLE)
    for response in (export(trainer_client, **params), download(trainer_client, **params)):
        html = response.content.decode()
        assert response.status_code == 200
        assert "Content-Disposition" not in response
        assert message in html
        assert "Nothing can be exported until these choices are fixed" in html
        assert "download=1" not in html


# --- who may export ------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TRAINERS, Role.EDITORS, Role.ADMINISTRATORS])
def test_staff_roles_may_export(client, framework, staff_mfa, role):
    add_questions(samples.SINGLE)
    client.force_login(make_member("staff@example.org", role, staff_mfa))
    assert export(client).status_code == 200
    assert download(client).status_code == 200


def test_a_trainee_cannot_export(client, framework, staff_mfa):
    add_questions(samples.SINGLE)
    client.force_login(make_member("trainee@example.org", Role.TRAINEES, staff_mfa))
    response = download(client)
    assert response.status_code == 302
    assert "Content-Disposition" not in response


def test_admin_access_without_view_question_gets_wagtails_permission_denial(client, framework):
    add_questions(samples.SINGLE)
    user = User.objects.create_user(email="reader@example.org", password="pw-0123456789")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(user)
    response = download(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert "Content-Disposition" not in response
    home = client.get(response["Location"]).content.decode()
    assert "Sorry, you do not have permission to access this area." in home
    assert EXPORT_URL not in home


# --- the bulk action -----------------------------------------------------------------


def test_the_listing_offers_export_selected(trainer_client):
    add_questions(samples.SINGLE)
    listing = trainer_client.get(reverse("wagtailsnippets_quizzes_question:list"))
    html = listing.content.decode()
    assert "Export selected" in html and BULK_URL in html


def test_export_selected_opens_the_screen_limited_to_the_selection(trainer_client):
    single, short, _matching = add_questions(samples.SINGLE, samples.SHORT, samples.MATCHING)
    listing = reverse("wagtailsnippets_quizzes_question:list")
    response = trainer_client.get(BULK_URL, {"next": listing, "id": [single.pk, short.pk]})
    assert response.status_code == 302
    assert response["Location"] == f"{EXPORT_URL}?id={single.pk}&id={short.pk}"

    screen = trainer_client.get(response["Location"])
    html = screen.content.decode()
    assert "Limited to the 2 questions selected in the listing." in html
    assert {q.title for q in screen.context["plan"].included} == {single.title, short.title}
    assert f'type="hidden" name="id" value="{single.pk}"' in html
    copies = parse_moodle_xml(trainer_client.get(screen.context["download_url"]).content)
    assert {q.title for q in copies.questions} == {single.title, short.title}


def test_export_selected_with_everything_selected_opens_the_whole_bank(trainer_client):
    add_questions(samples.SINGLE, samples.SHORT)
    response = trainer_client.get(BULK_URL, {"id": "all"})
    assert response.status_code == 302
    assert response["Location"] == EXPORT_URL


def test_export_selected_with_bad_ids_shows_the_error_not_a_crash(trainer_client):
    response = trainer_client.get(BULK_URL, {"id": ["1", "x'); drop"]}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Question ids are whole numbers" in html
    assert f'<a href="{EXPORT_URL}">Choose from the whole bank instead</a>' in html
