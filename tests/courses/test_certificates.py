"""Certificates: one per completion, the PDF a learner downloads, and revoking in the admin."""

from __future__ import annotations

import base64
import itertools
import re
import zlib
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from courses import services
from courses.certificates import verification_url
from courses.models import Certificate, CourseIndexPage, CourseModule, CoursePage, Enrolment
from courses.tasks import issue_certificate_task
from framework_content.models import FrameworkElementPage, LessonPage, ModulePage
from tests.mfa import activate_totp
from training_site.content_cache import TokenRenewal

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
REVOKED = "This certificate has been revoked."
_serial = itertools.count(1)


# --- building a course -------------------------------------------------------------------------


def _slug(prefix: str) -> str:
    return f"cert-{prefix}-{next(_serial)}"


def build_course(home, *, element_code: str = "P2", lessons: int = 2) -> CoursePage:
    """A live course of one module (under the element with this code) and its lessons."""
    index = CourseIndexPage.objects.child_of(home).first()
    if index is None:
        index = CourseIndexPage(title="Courses", slug=_slug("courses"))
        home.add_child(instance=index)
    element = FrameworkElementPage.objects.filter(code=element_code).order_by("path").first()
    module = ModulePage(title="Evidence for policy", slug=_slug("module"), summary="About it.")
    element.add_child(instance=module)
    for number in range(1, lessons + 1):
        module.add_child(
            instance=LessonPage(
                title=f"Lesson {number}",
                slug=_slug("lesson"),
                body=[{"type": "paragraph", "value": f"<p>Lesson {number}.</p>"}],
            )
        )
    course = CoursePage(title="Evidence and partnerships", slug=_slug("course"), summary="S.")
    course.course_modules = [CourseModule(module=module)]
    index.add_child(instance=course)
    return course


def lessons_of(course: CoursePage) -> list[LessonPage]:
    module = course.course_modules.get().module
    return list(LessonPage.objects.child_of(module).order_by("path"))


def member(email: str, role: Role | None = None, **extra) -> User:
    """A user in this role; staff get TOTP, which the admin requires of them."""
    user = User.objects.create_user(email=email, password="pw-0123456789", **extra)  # noqa: S106
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    if role not in (None, Role.TRAINEES):
        activate_totp(user)
    return user


def pdf_text(data: bytes) -> str:
    """The PDF's bytes, followed by each of its page streams decoded (ASCII85, then Flate)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\s*endstream", data, re.DOTALL):
        body = match.group(1).strip()
        if body.endswith(b"~>"):
            body = base64.a85decode(body if body.startswith(b"<~") else b"<~" + body, adobe=True)
        try:
            parts.append(zlib.decompress(body))
        except zlib.error:
            parts.append(body)
    return b"\n".join(parts).decode("latin-1")


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Certificate PDFs go to a throw-away folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def course(framework) -> CoursePage:
    return build_course(framework)


@pytest.fixture
def amina() -> User:
    return member("amina@example.org", Role.TRAINEES, full_name="Amina Diallo")


@pytest.fixture
def completed(course, amina) -> Enrolment:
    """Amina has completed the course; the certificate task has not run (no commit yet)."""
    services.enrol(user=amina, course=course, now=NOW)
    for lesson in lessons_of(course):
        services.complete_item(user=amina, page=lesson, now=NOW)
    enrolment = Enrolment.objects.get(user=amina, course=course)
    assert enrolment.completed_at == NOW
    assert not Certificate.objects.filter(enrolment=enrolment).exists()
    return enrolment


@pytest.fixture
def certificate(completed) -> Certificate:
    return services.issue_certificate(enrolment_id=completed.pk, now=NOW)


# --- one certificate per completion --------------------------------------------------------------


def test_issuing_twice_gives_one_certificate_with_one_pdf(completed):
    first = services.issue_certificate(enrolment_id=completed.pk, now=NOW)
    second = services.issue_certificate(enrolment_id=completed.pk, now=NOW)

    assert Certificate.objects.filter(enrolment=completed).count() == 1
    assert second.pk == first.pk
    assert second.code == first.code
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", first.code)
    assert second.file.name == first.file.name
    assert first.file.storage.exists(first.file.name)
    with first.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    assert first.code in pdf_text(data)


def test_running_the_task_twice_gives_one_certificate(completed):
    codes = [issue_certificate_task.delay(completed.pk).get(timeout=5) for _ in range(2)]

    assert codes[0] == codes[1]
    assert Certificate.objects.filter(enrolment=completed).count() == 1
    assert Certificate.objects.get(enrolment=completed).file


def test_completing_a_course_issues_its_certificate_after_commit(
    course, amina, django_capture_on_commit_callbacks
):
    services.enrol(user=amina, course=course, now=NOW)
    first, last = lessons_of(course)
    services.complete_item(user=amina, page=first, now=NOW)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.complete_item(user=amina, page=last, now=NOW)
        services.complete_item(user=amina, page=last, now=NOW)  # a double click

    # The other callbacks renew the learner's progress token (courses.progress_versions).
    assert len([c for c in callbacks if not isinstance(c, TokenRenewal)]) == 1
    certificate = Certificate.objects.get(enrolment__user=amina, enrolment__course=course)
    assert certificate.file


def test_a_course_not_completed_gets_no_certificate(course, amina):
    enrolment = services.enrol(user=amina, course=course, now=NOW)

    with pytest.raises(services.LearningError):
        services.issue_certificate(enrolment_id=enrolment.pk, now=NOW)
    assert not Certificate.objects.exists()


def test_the_pdf_names_learner_course_date_elements_and_verification_url(certificate):
    with certificate.file.open("rb") as handle:
        text = pdf_text(handle.read())

    assert certificate.learner_name == "Amina Diallo"
    assert "Amina Diallo" in text
    assert "Evidence and partnerships" in text
    assert "14 March 2025" in text
    assert certificate.elements_covered == "P2"
    assert "elements covered: P2" in text
    url = verification_url(certificate.code)
    assert url == f"http://testserver/certificates/verify/{certificate.code}/"
    assert url in text


# --- download and verification ------------------------------------------------------------------


def test_the_learner_downloads_their_certificate_as_a_pdf_attachment(client, certificate, amina):
    client.force_login(amina)

    response = client.get(reverse("certificate_download", args=[certificate.code]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert f"certificate-{certificate.code}.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_learner_cannot_download_it(client, certificate):
    client.force_login(member("jorge@example.org", Role.TRAINEES))

    response = client.get(reverse("certificate_download", args=[certificate.code]))

    assert response.status_code == 404


def test_a_visitor_must_sign_in_to_download(client, certificate):
    response = client.get(reverse("certificate_download", args=[certificate.code]))

    assert response.status_code == 302
    assert "download" not in response.get("Content-Disposition", "")


def test_the_verification_page_says_a_certificate_is_valid(client, certificate):
    response = client.get(reverse("certificate_verify", args=[certificate.code]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "This certificate is valid." in html
    assert "Amina Diallo" in html
    assert REVOKED not in html


# --- the admin: Administrators revoke -----------------------------------------------------------


def admin_url(view: str, *args) -> str:
    return reverse(f"certificates:{view}", args=args)


@pytest.fixture
def admin_client(client, framework):
    client.force_login(member("admin@example.org", Role.ADMINISTRATORS))
    return client


def test_administrators_see_certificates_in_the_admin_menu(admin_client, certificate):
    r = admin_client.get(reverse("wagtailadmin_home"))
    print(r.status_code, r.get("Location"), r.context and r.context.get("menu_items"))
    html = r.content.decode()

    assert admin_url("index") in html
    assert "Certificates" in html


def test_the_listing_shows_code_learner_course_dates_and_status(admin_client, certificate):
    response = admin_client.get(admin_url("index"))

    assert response.status_code == 200
    html = response.content.decode()
    for text in (certificate.code, "Amina Diallo", "Evidence and partnerships", "Valid"):
        assert text in html
    assert admin_url("revoke", certificate.pk) in html
    assert admin_url("inspect", certificate.pk) in html
    assert "/admin/certificates/new/" not in html


def test_the_listing_searches_by_code_and_learner_name(admin_client, certificate, framework):
    other_course = build_course(framework, element_code="P3", lessons=1)
    jorge = member("jorge@example.org", Role.TRAINEES, full_name="Jorge Perez")
    services.enrol(user=jorge, course=other_course, now=NOW)
    services.complete_item(user=jorge, page=lessons_of(other_course)[0], now=NOW)
    other = services.issue_certificate(enrolment_id=Enrolment.objects.get(user=jorge).pk, now=NOW)

    def found(query: str) -> set[str]:
        response = admin_client.get(admin_url("index"), {"q": query})
        assert response.status_code == 200
        return {c.code for c in response.context["object_list"]}

    assert found(certificate.code) == {certificate.code}
    assert found(certificate.code.lower()) == {certificate.code}
    assert found("amina") == {certificate.code}
    assert found("Perez") == {other.code}


def test_the_listing_filters_valid_and_revoked(admin_client, certificate):
    services.revoke_certificate(certificate_id=certificate.pk, reason="Test", now=NOW)
    revoked_codes = {certificate.code}

    def codes(status: str) -> set[str]:
        response = admin_client.get(admin_url("index"), {"status": status})
        assert response.status_code == 200
        return {c.code for c in response.context["object_list"]}

    assert codes("revoked") == revoked_codes
    assert codes("valid") == set()
    assert codes("") == revoked_codes


def test_an_administrator_revokes_with_a_reason(admin_client, client, certificate):
    form = admin_client.get(admin_url("revoke", certificate.pk))
    assert form.status_code == 200
    assert certificate.code in form.content.decode()

    response = admin_client.post(
        admin_url("revoke", certificate.pk), {"reason": "Issued to the wrong person"}
    )

    assert response.status_code == 302
    assert response["Location"] == admin_url("index")
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    assert certificate.revoked_reason == "Issued to the wrong person"
    assert not certificate.is_valid
    page = client.get(reverse("certificate_verify", args=[certificate.code]))
    assert page.status_code == 200
    assert REVOKED in page.content.decode()
    listing = admin_client.get(admin_url("index")).content.decode()
    assert "Revoked" in listing
    assert admin_url("revoke", certificate.pk) not in listing


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoking_without_a_reason_changes_nothing(admin_client, certificate, reason):
    response = admin_client.post(admin_url("revoke", certificate.pk), {"reason": reason})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert certificate.revoked_reason == ""


def test_revoking_twice_keeps_the_first_reason(admin_client, certificate):
    admin_client.post(admin_url("revoke", certificate.pk), {"reason": "First"})
    admin_client.post(admin_url("revoke", certificate.pk), {"reason": "Second"})

    certificate.refresh_from_db()
    assert certificate.revoked_reason == "First"


def test_a_superuser_reaches_the_certificate_admin(client, certificate):
    root = User.objects.create_superuser(email="root@example.org", password="pw-x")  # noqa: S106
    activate_totp(root)
    client.force_login(root)

    assert client.get(admin_url("index")).status_code == 200
    assert client.get(admin_url("inspect", certificate.pk)).status_code == 200


@pytest.mark.parametrize("role", [Role.TRAINEES, Role.TRAINERS, Role.EDITORS])
def test_other_roles_cannot_reach_the_certificate_admin(client, certificate, role):
    client.force_login(member(f"{role.value.lower()}@example.org", role))
    home = client.get(reverse("wagtailadmin_home"))
    if home.status_code == 200:  # Trainers and Editors use the admin, without this menu item
        assert admin_url("index") not in home.content.decode()

    for url in (
        admin_url("index"),
        admin_url("index_results"),
        admin_url("inspect", certificate.pk),
        admin_url("revoke", certificate.pk),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert not response["Location"].startswith("/admin/certificates/"), url

    response = client.post(admin_url("revoke", certificate.pk), {"reason": "Not mine to revoke"})
    assert response.status_code in (302, 403)
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
