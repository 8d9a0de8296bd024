"""Inviting trainees: reading lists and CSV files (pure), the invitation page (all or nothing,
a per-row report, nothing doubled), the e-mails in each trainee's language, and the link that
lets an invited person choose a password."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from cohorts import invitations
from cohorts.models import Membership, MembershipSource
from courses.choices import EnrolmentSource
from courses.models import Enrolment

from .conftest import make_cohort, make_user
from .invite_samples import counts, csv_bytes, post_csv, post_list

# ---------------------------------------------------------------------------------------------
# Reading a pasted list and a CSV file (pure)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a@example.org\nb@example.org", [("a@example.org", ""), ("b@example.org", "")]),
        (
            "a@example.org, b@example.org; c@example.org",
            [("a@example.org", ""), ("b@example.org", ""), ("c@example.org", "")],
        ),
        ("  A.Diallo@Example.ORG  \n\n", [("a.diallo@example.org", "")]),
        ("Jorge Pérez <jorge@example.org>", [("jorge@example.org", "Jorge Pérez")]),
        (
            '"Diallo, Amina" <amina@example.org>; Ana <ana@example.org>',
            [("amina@example.org", "Diallo, Amina"), ("ana@example.org", "Ana")],
        ),
    ],
)
def test_a_pasted_list_is_read_as_mail_programs_write_it(text, expected):
    parsed = invitations.parse_address_list(text)
    assert parsed.ok
    assert [(i.email, i.full_name) for i in parsed.invitees] == expected


def test_a_pasted_list_reports_bad_and_repeated_addresses_by_line():
    parsed = invitations.parse_address_list("a@example.org\nnot-an-address\nb@x.org, A@example.org")
    assert not parsed.ok
    assert [(p.line, p.value, p.reason) for p in parsed.problems] == [
        (2, "not-an-address", "This is not a valid e-mail address."),
        (3, "A@example.org", "This address is already on line 1."),
    ]


def test_a_csv_file_is_read_with_any_header_case_semicolons_and_a_bom():
    data = csv_bytes(
        " Email |Full Name|COUNTRY|organisation|Position|language",
        "Amina@Example.org|Amina Diallo|sn|Ministère de l'Intérieur|Agent|French",
        "jorge@example.org|Jorge Pérez|Ecuador|||es",
        "li@example.org||Sénégal|||fr-FR",
        "||||||",  # a blank row, as spreadsheets leave at the end
        delimiter=";",
        bom=True,
    )
    parsed = invitations.parse_csv(invitations.decode_upload(data))
    assert parsed.ok
    amina, jorge, li = parsed.invitees
    assert (amina.email, amina.full_name, amina.country, amina.language) == (
        "amina@example.org",
        "Amina Diallo",
        "SN",
        "fr",
    )
    assert amina.organisation == "Ministère de l'Intérieur"
    assert (jorge.country, jorge.language, jorge.row) == ("EC", "es", 3)
    assert (li.country, li.language) == ("SN", "fr")


def test_each_bad_row_is_reported_with_its_row_line_column_value_and_reason():
    data = csv_bytes(
        "email|full_name|country|language",
        "ok@example.org|Ok|SN|en",
        'bad@@example|"Two\nlines"|SN|en',  # row 3 starts on line 3, row 4 on line 5
        "|No address||",
        "OK@example.org|Again||",
        "x@example.org||Atlantis|",
        "y@example.org|||Klingon",
        f"z@example.org|{'n' * 201}||",
    )
    parsed = invitations.parse_csv(invitations.decode_upload(data))
    assert not parsed.ok
    report = [(p.row, p.line, p.column, p.reason) for p in parsed.problems]
    assert report == [
        (3, 3, "email", "This is not a valid e-mail address."),
        (4, 5, "email", "The e-mail address is missing."),
        (5, 6, "email", "This address is already on row 2."),
        (
            6,
            7,
            "country",
            "Unknown country. Use its two-letter ISO code (such as SN for Senegal) "
            "or its name in English.",
        ),
        (7, 8, "language", "Unknown language. Use one of: en, fr, es."),
        (8, 9, "full_name", "Too long: at most 200 characters (this has 201)."),
    ]
    assert parsed.problems[0].value == "bad@@example"
    assert parsed.problems[-1].value.endswith("…") and len(parsed.problems[-1].value) == 80


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ["email|phone|Full name"],
            "Unknown column: phone. The columns can be: email, full_name, country, "
            "organisation, position, language.",
        ),
        (["full_name|country", "Amina|SN"], "with at least one called “email”"),
        (
            ["email|EMAIL", "a@example.org|a@example.org"],
            "The column email appears more than once.",
        ),
        (["email"], "The file has a header row but nobody in it."),
        (["   "], "The file is empty."),
    ],
)
def test_a_file_with_wrong_columns_is_refused_whole(lines, message):
    with pytest.raises(invitations.Refused) as refused:
        invitations.parse_csv(invitations.decode_upload(csv_bytes(*lines)))
    assert message in refused.value.message


def test_more_people_than_the_limit_are_refused_whole():
    data = csv_bytes("email", *[f"p{n}@example.org" for n in range(4)])
    with pytest.raises(invitations.Refused) as refused:
        invitations.parse_csv(invitations.decode_upload(data), max_rows=3)
    assert "more than 3 people" in refused.value.message


@pytest.mark.parametrize(
    "data",
    [
        "email,full_name\r\nm@example.org,Mélanie Côté\r\n".encode("latin-1"),
        "email,full_name\r\nm@example.org,Mélanie Côté\r\n".encode("utf-16"),
        "email,full_name\r\nm@example.org,Melanie\r\n".encode("utf-16-le"),  # no BOM
    ],
    ids=["latin-1", "utf-16", "utf-16 without BOM"],
)
def test_a_file_not_in_utf8_is_refused_not_guessed(data):
    with pytest.raises(invitations.Refused) as refused:
        invitations.decode_upload(data)
    assert "CSV UTF-8" in refused.value.message


def test_an_excel_workbook_is_refused_with_how_to_save_it_as_csv():
    with pytest.raises(invitations.Refused) as refused:
        invitations.decode_upload(b"PK\x03\x04" + b"\x00" * 100)
    assert "not a CSV file" in refused.value.message


# ---------------------------------------------------------------------------------------------
# The invitation page: bad files import nothing and say why
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def trainer_client(cohort, trainer, client_for):
    return client_for(trainer)


def assert_nothing_imported(before, response):
    assert response.status_code == 200
    assert counts() == before
    assert mail.outbox == []
    assert "Nothing was imported" in response.text


def test_malformed_addresses_in_a_csv_import_nobody_and_are_listed(cohort, trainer_client):
    before = counts()
    data = csv_bytes("email|full_name", "good@example.org|Good", "amina.example.org|Amina")
    response = post_csv(trainer_client, cohort, data)
    assert_nothing_imported(before, response)
    assert "1 entry needs correcting" in response.text
    assert "<code>amina.example.org</code>" in response.text
    assert "This is not a valid e-mail address." in response.text
    assert not User.objects.filter(email="good@example.org").exists()


def test_a_repeated_address_imports_nobody_and_names_the_first_row(cohort, trainer_client):
    before = counts()
    data = csv_bytes("email", "new@example.org", "other@example.org", "NEW@example.org")
    response = post_csv(trainer_client, cohort, data)
    assert_nothing_imported(before, response)
    assert "This address is already on row 2." in response.text


def test_an_unknown_column_refuses_the_file_and_lists_the_accepted_ones(cohort, trainer_client):
    before = counts()
    data = csv_bytes("email|phone", "new@example.org|+221 33 000 00 00")
    response = post_csv(trainer_client, cohort, data)
    assert_nothing_imported(before, response)
    assert "Unknown column: phone." in response.text
    assert "email, full_name, country, organisation, position, language" in response.text


def test_a_10_mb_file_is_refused_before_it_is_read(cohort, trainer_client):
    before = counts()
    data = b"email\r\n" + b"someone@example.org\r\n" * (10 * 1024 * 1024 // 21)
    response = post_csv(trainer_client, cohort, data)
    assert_nothing_imported(before, response)
    assert "the limit is 2.0\xa0MB" in response.text


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_file_in_another_encoding_is_refused_with_how_to_save_it(
    cohort, trainer_client, encoding
):
    before = counts()
    data = csv_bytes("email|full_name", "m@example.org|Mélanie Côté", encoding=encoding)
    response = post_csv(trainer_client, cohort, data)
    assert_nothing_imported(before, response)
    assert "This file is not in UTF-8" in response.text
    assert "CSV UTF-8" in response.text


def test_a_deactivated_account_imports_nobody(cohort, trainer_client):
    make_user("gone@example.org", "Gone", is_active=False)
    before = counts()
    response = post_list(trainer_client, cohort, "new@example.org\nGone@example.org")
    assert_nothing_imported(before, response)
    assert "This account has been deactivated." in response.text


# ---------------------------------------------------------------------------------------------
# A good file: accounts, memberships, enrolments, e-mails; sent again, nothing doubles
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def december_cohort(small, trainer):
    return make_cohort(
        small.course,
        [trainer],
        name="Dakar border officials",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 5),
    )


def good_file():
    return csv_bytes(
        "email|full_name|country|organisation|position|language",
        "Fatou.Sow@Example.org|Fatou Sow|SN|Direction de la Police aux frontières|Commissaire|fr",
        "jorge@example.org|Someone Else|EC|Other ministry|Other job|fr",
        "amina@example.org|Amina D.|||",
    )


def test_a_good_file_creates_accounts_adds_people_and_emails_each_in_their_language(
    december_cohort, trainer, trainee, client_for, django_capture_on_commit_callbacks
):
    cohort = december_cohort
    jorge = make_user(
        "jorge@example.org", "Jorge Pérez", organisation="DGM", preferred_language="es"
    )
    Membership.objects.create(
        cohort=cohort, user=trainee, source=MembershipSource.CODE, joined_at=timezone.now()
    )
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_csv(client, cohort, good_file(), follow=True)

    assert response.status_code == 200
    assert "1 account created and invited." in response.text
    assert "1 person with an account added." in response.text
    assert "1 was already in the cohort." in response.text
    assert "Already in the cohort" in response.text

    fatou = User.objects.get(email="fatou.sow@example.org")  # stored in lower case
    assert (fatou.full_name, fatou.country.code, fatou.preferred_language) == (
        "Fatou Sow",
        "SN",
        "fr",
    )
    assert fatou.organisation == "Direction de la Police aux frontières"
    assert not fatou.has_usable_password()
    assert fatou.groups.filter(name=Role.TRAINEES).exists()
    assert EmailAddress.objects.filter(user=fatou, email=fatou.email, verified=True).exists()

    jorge.refresh_from_db()
    assert (jorge.full_name, jorge.organisation, jorge.preferred_language) == (
        "Jorge Pérez",
        "DGM",
        "es",
    )  # their profile is theirs: the file does not overwrite it

    for user in (fatou, jorge):
        membership = Membership.objects.get(cohort=cohort, user=user)
        assert (membership.source, membership.invited_by) == (MembershipSource.INVITATION, trainer)
        enrolment = Enrolment.objects.get(user=user, course=cohort.course)
        assert enrolment.source == EnrolmentSource.COHORT and enrolment.left_at is None
    assert Membership.objects.get(cohort=cohort, user=trainee).source == MembershipSource.CODE

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"fatou.sow@example.org", "jorge@example.org"}  # not Amina
    french, spanish = by_recipient["fatou.sow@example.org"], by_recipient["jorge@example.org"]
    assert french.extra_headers["Content-Language"] == "fr"
    assert "1 décembre 2026" in french.body
    assert "Dakar border officials" in french.subject
    assert "/invitation/" in french.body
    assert spanish.extra_headers["Content-Language"] == "es"
    assert "diciembre de 2026" in spanish.body
    assert "/invitation/" not in spanish.body  # they have a password: the course and log-in
    assert f"http://testserver{cohort.course.url}" in spanish.body
    assert "http://testserver/accounts/login/?next=" in spanish.body
    assert "Tess Trainer" in french.body


def test_sending_the_same_file_again_doubles_nothing_and_emails_nobody(
    december_cohort, trainer, client_for, django_capture_on_commit_callbacks
):
    client = client_for(trainer)
    make_user("jorge@example.org", "Jorge Pérez")
    with django_capture_on_commit_callbacks(execute=True):
        post_csv(client, december_cohort, good_file())
    after_first, sent = counts(), len(mail.outbox)
    assert sent == 3

    with django_capture_on_commit_callbacks(execute=True):
        response = post_csv(client, december_cohort, good_file(), follow=True)
    assert counts() == after_first
    assert len(mail.outbox) == sent
    assert "3 were already in the cohort." in response.text


def test_an_invitation_brings_back_someone_who_had_left_the_course(
    cohort, trainer, client_for, django_capture_on_commit_callbacks
):
    jorge = make_user("jorge@example.org", "Jorge Pérez")
    Enrolment.objects.create(
        user=jorge, course=cohort.course, enrolled_at=timezone.now(), left_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_list(client_for(trainer), cohort, "jorge@example.org")
    assert Enrolment.objects.get(user=jorge, course=cohort.course).left_at is None
    assert Enrolment.objects.filter(user=jorge).count() == 1


def test_a_pasted_list_invites_with_names_and_the_course_language(
    small, trainer, client_for, django_capture_on_commit_callbacks
):
    small.course.course_language = "es"
    small.course.save()
    cohort = make_cohort(small.course, [trainer])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_list(
            client_for(trainer),
            cohort,
            "Ana Gómez <ana@example.org>; luis@example.org",
            follow=True,
        )
    assert "2 accounts created and invited." in response.text
    ana = User.objects.get(email="ana@example.org")
    assert (ana.full_name, ana.preferred_language) == ("Ana Gómez", "es")
    assert Membership.objects.filter(cohort=cohort).count() == 2
    assert {m.to[0] for m in mail.outbox} == {"ana@example.org", "luis@example.org"}


def test_the_page_explains_both_ways_with_labelled_fields(cohort, trainer_client):
    response = trainer_client.get(f"/trainer/cohorts/{cohort.pk}/invite/")
    assert response.status_code == 200
    assert '<label for="id_list-addresses">' in response.text
    assert '<label for="id_csv-upload">' in response.text
    assert 'aria-describedby="id_csv-upload_helptext"' in response.text
    assert cohort.join_code in response.text


# ---------------------------------------------------------------------------------------------
# Accepting an invitation: choosing a password
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def invited(cohort, trainer, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_list(client_for(trainer), cohort, "Fatou Sow <fatou@example.org>")
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/invitation/\S+/)", message.body).group(1)
    return User.objects.get(email="fatou@example.org"), link


def test_the_invitation_link_sets_a_password_and_logs_in(cohort, invited, client):
    user, link = invited
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].endswith("/set-password/")  # the token leaves the URL
    assert link.split("/")[3] not in response["Location"]

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Choose your password" in page.text
    assert "fatou@example.org" in page.text

    response = client.post(
        response["Location"],
        {"new_password1": "Migration-Gov-2026", "new_password2": "Migration-Gov-2026"},
    )
    assert response.status_code == 302
    assert response["Location"] == cohort.course.url
    user.refresh_from_db()
    assert user.check_password("Migration-Gov-2026")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "Your password is set" in client.get(cohort.course.url).text

    used = client.get(link)  # the same link again: the password changed, so it is spent
    assert used.status_code == 400
    assert "This invitation link does not work" in used.text


def test_a_weak_password_is_refused_with_the_validators_message(invited, client):
    _user, link = invited
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "This password is too short." in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "path",
    [
        "/invitation/{uid}/not-a-token/",
        "/invitation/{uid}/set-password/",  # no token in the session
        "/invitation/bm90LWEtdXNlcg/{token}/",  # no such user
        "/invitation/!!!/{token}/",
    ],
)
def test_a_bad_invitation_link_explains_what_to_do(invited, client, path):
    user, link = invited
    uid, token = link.split("/")[2:4]
    response = client.get(path.format(uid=uid, token=token))
    assert response.status_code == 400
    assert "This invitation link does not work" in response.text
    assert "Forgot your password?" in response.text
    assert "_auth_user_id" not in client.session


def test_an_expired_invitation_link_explains_what_to_do(invited, client, monkeypatch):
    _user, link = invited
    later = default_token_generator._now() + timedelta(days=30)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    response = client.get(link)
    assert response.status_code == 400
    assert "It may have expired" in response.text


# ---------------------------------------------------------------------------------------------
# Who may invite
# ---------------------------------------------------------------------------------------------


def test_an_administrator_may_invite_to_any_cohort(
    cohort, administrator, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_list(client_for(administrator), cohort, "new@example.org")
    assert Membership.objects.get(user__email="new@example.org").invited_by == administrator


@pytest.mark.parametrize("method", ["get", "post"])
def test_others_cannot_see_or_use_the_invitation_page(
    cohort, other_trainer, trainee, client_for, client, method
):
    url = f"/trainer/cohorts/{cohort.pk}/invite/"
    data = {"way": "list", "list-addresses": "intruder@example.org"}
    before = counts()

    def request(some_client):
        return getattr(some_client, method)(url, data if method == "post" else None)

    assert request(client_for(other_trainer)).status_code == 404
    assert request(client_for(trainee)).status_code == 403
    anonymous = request(client)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert counts() == before
    assert mail.outbox == []
