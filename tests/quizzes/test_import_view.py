"""Importing questions in the admin: upload, preview the report, confirm; and the editor."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from accounts.choices import Role
from accounts.mfa import user_requires_mfa
from accounts.models import User
from framework_content.models import Indicator
from quizzes.models import Question
from tests.mfa import activate_totp

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/questions/import/"

GOOD_AND_BAD = """// tags: EIU16-1.1
::Principles:: How many principles does MIGOF set out? {=Three ~Six}

::Num:: 2 + 2? {#4}
"""
ONLY_BAD = "::Essay:: Discuss. {}\n"


def member(email: str, role: Role) -> User:
    user = User.objects.create_user(email=email, password="pw-0123456789")
    user.groups.add(Group.objects.get(name=role.value))
    if user_requires_mfa(user):
        activate_totp(user)
    return user


@pytest.fixture
def trainer_client(client, framework):
    client.force_login(member("trainer@example.org", Role.TRAINERS))
    return client


def upload(client, content: bytes | str, name: str = "questions.gift", **extra):
    if isinstance(content, str):
        content = content.encode()
    data = {"file": SimpleUploadedFile(name, content), "language": "en", **extra}
    return client.post(IMPORT_URL, data)


def confirm(client, preview, **extra):
    token = preview.context["confirm_form"].initial["token"]
    return client.post(IMPORT_URL, {"token": token, "language": "en", **extra})


def test_trainer_sees_the_import_form_in_the_question_bank(trainer_client):
    response = trainer_client.get(IMPORT_URL)
    assert response.status_code == 200
    assert 'type="file"' in response.content.decode()
    home = trainer_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Question bank" in home and IMPORT_URL in home


def test_preview_shows_rejected_reasons_and_saves_nothing(trainer_client):
    response = upload(trainer_client, GOOD_AND_BAD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Principles" in html and "Numerical questions" in html
    assert "Import only the accepted questions" in html
    assert not Question.objects.exists()


def test_confirm_refuses_while_an_item_is_rejected(trainer_client):
    response = confirm(trainer_client, upload(trainer_client, GOOD_AND_BAD))
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert not Question.objects.exists()


def test_confirm_saves_the_accepted_questions_when_asked(trainer_client):
    response = confirm(trainer_client, upload(trainer_client, GOOD_AND_BAD), allow_partial="on")
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.title == "Principles"
    assert [i.ref_id for i in question.indicators.all()] == ["EIU16-1.1"]
    assert question.revisions.count() == 1


def test_untagged_questions_take_the_default_indicators(trainer_client):
    indicator = Indicator.objects.get(ref_id="EIU16-1.1")
    text = "::Plain:: Is MIGOF binding? {F}\n"
    preview = upload(trainer_client, text, default_indicators=[indicator.pk])
    response = confirm(trainer_client, preview, default_indicators=[indicator.pk])
    assert response.status_code == 302
    assert list(Question.objects.get().indicators.all()) == [indicator]


def test_untagged_question_without_defaults_is_refused(trainer_client):
    preview = upload(trainer_client, "::Plain:: Is MIGOF binding? {F}\n")
    assert "No indicator" in preview.content.decode()
    response = confirm(trainer_client, preview)
    assert response.status_code == 200
    assert not Question.objects.exists()


def test_a_file_with_only_rejected_questions_saves_nothing(trainer_client):
    response = upload(trainer_client, ONLY_BAD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Essay questions" in html and "No question can be imported" in html
    assert not Question.objects.exists()


def test_a_file_over_5_mb_is_refused_with_a_message(trainer_client):
    response = upload(trainer_client, b"x" * (6 * 1024 * 1024))
    assert response.status_code == 200
    assert "larger than 5 MB" in response.content.decode()


def test_a_binary_file_gets_a_clear_message(trainer_client):
    response = upload(trainer_client, b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe" * 50)
    assert response.status_code == 200
    assert "not a UTF-8 text file" in response.content.decode()


def test_malformed_xml_gets_a_clear_message(trainer_client):
    response = upload(trainer_client, b"<quiz><question", name="export.xml")
    assert response.status_code == 200
    assert "Not well-formed XML" in response.content.decode()


def test_a_wrong_extension_is_refused(trainer_client):
    response = upload(trainer_client, b"hello", name="questions.docx")
    assert response.status_code == 200
    assert "Choose a .gift, .txt or .xml file" in response.content.decode()


def test_imported_questions_take_the_chosen_language(trainer_client):
    preview = upload(trainer_client, GOOD_AND_BAD, language="fr")
    confirm(trainer_client, preview, allow_partial="on", language="fr")
    assert Question.objects.get().language == "fr"


def test_the_edit_form_keeps_keys_and_never_reuses_them(trainer_client):
    indicator = Indicator.objects.get(ref_id="EIU16-1.1")
    confirm(trainer_client, upload(trainer_client, GOOD_AND_BAD), allow_partial="on")
    question = Question.objects.get()
    first, second = question.choices.all()
    data = nested_form_data(
        {
            "title": question.title,
            "kind": question.kind,
            "stem": rich_text(question.stem),
            "choices": inline_formset(
                [
                    {"id": first.pk, "text": "Three", "correct": True, "feedback": ""},
                    {"id": second.pk, "text": "Six", "feedback": "", "DELETE": "1"},
                    {"text": "Nine", "feedback": ""},
                ],
                initial=2,
            ),
            "pairs": inline_formset([]),
            "accepted_answers": inline_formset([]),
            "points": "1",
            "partial_credit": "all_or_nothing",
            "difficulty": "easy",
            "language": "en",
        }
    )
    data["indicators"] = [indicator.pk]
    url = reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk])
    response = trainer_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    question.refresh_from_db()
    assert [c.key for c in question.choices.all()] == ["c1", "c3"]
    assert question.revisions.count() == 2


def test_a_trainee_cannot_reach_the_import(client, framework):
    client.force_login(member("trainee@example.org", Role.TRAINEES))
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("q.gift", b"x {T}")})
    assert response.status_code in (302, 403)
    assert not Question.objects.exists()


def test_trainer_writes_a_true_false_question_in_the_editor(trainer_client):
    indicator = Indicator.objects.get(ref_id="EIU16-1.1")
    data = nested_form_data(
        {
            "title": "Binding?",
            "kind": "true_false",
            "stem": rich_text("<p>MIGOF is binding.</p>"),
            "choices": inline_formset([{"text": "False", "correct": True, "feedback": ""}]),
            "pairs": inline_formset([]),
            "accepted_answers": inline_formset([]),
            "explanation": "",
            "points": "1",
            "partial_credit": "all_or_nothing",
            "difficulty": "easy",
            "language": "en",
        }
    )
    data["indicators"] = [indicator.pk]  # a multiple choice, not a nested list
    response = trainer_client.post(reverse("wagtailsnippets_quizzes_question:add"), data)
    assert response.status_code == 302, response.context["form"].errors
    question = Question.objects.get()
    assert [(c.key, c.correct) for c in question.choices.all()] == [
        ("false", True),
        ("true", False),
    ]
    assert question.revisions.count() == 1


def test_the_editor_refuses_a_single_choice_without_a_right_answer(trainer_client):
    indicator = Indicator.objects.get(ref_id="EIU16-1.1")
    data = nested_form_data(
        {
            "title": "No right answer",
            "kind": "single_choice",
            "stem": rich_text("<p>Pick one.</p>"),
            "choices": inline_formset(
                [{"text": "A", "feedback": ""}, {"text": "B", "feedback": ""}]
            ),
            "pairs": inline_formset([]),
            "accepted_answers": inline_formset([]),
            "points": "1",
            "partial_credit": "all_or_nothing",
            "difficulty": "easy",
            "language": "en",
        }
    )
    data["indicators"] = [indicator.pk]  # a multiple choice, not a nested list
    response = trainer_client.post(reverse("wagtailsnippets_quizzes_question:add"), data)
    assert response.status_code == 200
    assert "Mark exactly one choice as correct." in response.content.decode()
    assert not Question.objects.exists()
