"""Hostile and random input on every form and query-string endpoint (hypothesis).

For each endpoint in ENDPOINTS, as each role that can reach it, hypothesis sends query strings
and POST bodies made of hostile values: random unicode, NUL bytes, very long text, SQL and
HTML fragments, numbers that are not numbers (``²``, ``①``, ``1e9``), ids out of any integer
column's range, negative ids, repeated keys, junk keys, undecodable percent escapes, files
that are not CSV. Each request must answer below 500, and a request that is refused (a 4xx,
or a form shown again after a POST) must leave every table of learner and account data with
the rows it had: no partial write.

The field names come from the endpoint's own page (the names of its forms' inputs, and their
option values as plausible values) plus the ones declared below, so a field added to a form
is fuzzed without editing this file. Half the examples start from the form as the page fills
it and change a few fields, so the hostile value reaches the code behind a valid rest of the
form (a quiz answer among well-formed ones, a cohort with one bad field).
`test_every_endpoint_is_declared` walks the URL resolver and the routes of the site's Wagtail
pages: an endpoint that is neither fuzzed nor exempted (with a reason) fails it.

The world the requests run in (a course, a quiz with one question of each kind and an open
attempt, a cohort with its trainer and trainee, an export job, a case study) is built once for
the module; each test's writes are rolled back.

Reproducible in CI: examples are derandomized (the same inputs on every run) and no example
database is read or written. To explore with fresh random inputs, run with
``FUZZ_RANDOM=1 FUZZ_EXAMPLES=200``; put any failure found that way under `@example` below.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page

pytestmark = pytest.mark.django_db

PROJECT_APPS = (
    "accounts",
    "case_studies",
    "cohorts",
    "courses",
    "framework_content",
    "quizzes",
    "search",
    "training_site",
)

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3")),
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    print_blob=True,
)


# ---------------------------------------------------------------------------------------------
# Hostile values
# ---------------------------------------------------------------------------------------------

SEEDS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "-9223372036854775809",
    "9223372036854775808",
    "2147483648",
    "99999999999999999999999999",
    "1e9",
    "1.5",
    "NaN",
    "-inf",
    "0x1F",
    # str.isdigit() is true for these, int() refuses the first two
    "²",
    "①",
    "٣",
    "true",
    "null",
    "[]",
    "{}",
    "' OR '1'='1",
    "1; DROP TABLE accounts_user; --",
    '" onmouseover="alert(1)',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "%00",
    "%ff",
    "../../etc/passwd",
    "\u202egnp.exe",
    "\ufeff",
    "𝕏😀",
    "İß",
    "\r\nSet-Cookie: x=1",
    "{{7*7}}",
    "{% debug %}",
    "*",
    "AND OR NOT (",
    '"unbalanced',
    "\\",
    "http://evil.example/",
    "//evil.example",
    "javascript:alert(1)",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "-0001-01-01",
    "a@b",
    "fuzz@example.org",
    "fr",
    "xx",
]

_printable = st.text(max_size=60)
_any_text = st.text(st.characters(codec="utf-8"), max_size=60)
_long = st.builds(lambda seed, n: (seed or "x") * n, st.sampled_from(SEEDS), st.integers(200, 600))
_numbers = st.integers(min_value=-(2**70), max_value=2**70).map(str)


@dataclass(frozen=True)
class Plausible:
    """A value the endpoint's own page offers (an option, a checkbox value), by position."""

    index: int


@dataclass(frozen=True)
class FieldName:
    """One of the endpoint's field names, by position (the names differ per endpoint)."""

    index: int


@dataclass(frozen=True)
class Like:
    """The first field name matching a pattern (for readable regression examples)."""

    pattern: str


VALUES = st.one_of(
    st.sampled_from(SEEDS),
    st.integers(0, 63).map(Plausible),
    _printable,
    _any_text,
    _numbers,
    _long,
)
KEYS = st.one_of(
    st.integers(0, 63).map(FieldName),
    st.integers(0, 63).map(FieldName),
    st.sampled_from(["", "\x00", "q[]", "__proto__", "a" * 300, "x\r\ny", "é", "page[0]"]),
    _printable,
)
FILE_BODIES = st.one_of(
    st.binary(max_size=300),
    st.lists(st.lists(VALUES.filter(lambda v: isinstance(v, str)), max_size=4), max_size=6).map(
        lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")
    ),
    st.sampled_from(
        [
            b"",
            b"\xef\xbb\xbfemail,full_name\nfuzz@example.org,Fuzz\nfuzz@example.org,Twice\n",
            b"email\n" + b"a@example.org\n" * 3 + b"\x00\xff\xfe",
            b"PK\x03\x04not really a zip",
            b'"unterminated,quote\n',
        ]
    ),
)


@dataclass(frozen=True)
class Fuzz:
    """One request's worth of hostile input."""

    pairs: list = field(default_factory=list)  # (key, value): repeated keys stay repeated
    base: bool = False  # start from the form as its page fills it, then apply `pairs`
    raw: str = ""  # appended to the query string / urlencoded body as it is
    urlencoded: bool = False  # POST: an urlencoded body instead of multipart
    accept_json: bool = False
    path_value: object = None  # for a path parameter: None = the real one
    file_body: bytes | None = None
    file_name: str = "upload.csv"
    only: tuple[str, ...] = ()  # a regression example: the endpoints it is about


FUZZES = st.builds(
    Fuzz,
    pairs=st.lists(st.tuples(KEYS, VALUES), max_size=10),
    base=st.booleans(),
    raw=st.one_of(
        st.just(""),
        st.sampled_from(["%ff%fe", "&&=&", "%", "a=%E2%82", "=x", "%00=%00", ";q=1", "+" * 50]),
    ),
    urlencoded=st.booleans(),
    accept_json=st.booleans(),
    path_value=st.one_of(
        st.none(),
        st.integers(min_value=0, max_value=2**80),
        st.sampled_from(SEEDS).filter(bool),
        _printable.filter(lambda s: s.strip("/")),
    ),
    file_body=st.one_of(st.none(), FILE_BODIES),
    file_name=st.sampled_from(["upload.csv", "a.xlsx", "../../x.csv", "\x00.csv", "é" * 200]),
)


# ---------------------------------------------------------------------------------------------
# What is fuzzed
# ---------------------------------------------------------------------------------------------

VISITOR, LEARNER, TRAINER, ADMIN = "visitor", "learner", "trainer", "admin"


@dataclass(frozen=True)
class Endpoint:
    name: str  # URL name, or <PageClass> / <PageClass>:<route name> for Wagtail pages
    method: str
    roles: tuple[str, ...]
    fields: tuple[str, ...] = ()  # read besides the names on its page's forms
    files: tuple[str, ...] = ()  # file fields
    form_page: str | None = None  # the endpoint whose page shows its form (default: itself)
    limited: bool = False  # allauth rate limits: counters are cleared before each example

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}"


def _e(name, method, roles, **kw) -> Endpoint:
    return Endpoint(name, method, tuple(roles), **kw)


L, T, A, V, VL = (LEARNER,), (TRAINER,), (ADMIN,), (VISITOR,), (VISITOR, LEARNER)
ENDPOINTS = [
    # guidance, public
    _e("search", "GET", VL, fields=("q", "page", "kind", "country", "region", "language")),
    _e("search_suggest", "GET", V, fields=("q",)),
    _e("CourseIndexPage", "GET", VL, fields=("element", "level", "language", "q", "page")),
    _e("CaseStudyIndexPage", "GET", VL, fields=("country", "region", "element", "indicator")),
    _e("IndicatorIndexPage:frameworks", "GET", V, fields=("page", "q")),
    _e("IndicatorIndexPage:crosswalk", "GET", V, fields=("page", "q")),
    _e("IndicatorIndexPage:framework", "GET", V, fields=("page", "q")),
    _e("IndicatorIndexPage:indicator", "GET", V, fields=("page", "q")),
    _e("LibraryPage:documents", "GET", V, fields=("page", "q")),
    _e("LibraryPage:document", "GET", V, fields=("page",)),
    _e("LessonPage", "GET", VL, fields=("course",)),
    _e("certificate_verify", "GET", V),
    _e("wagtailadmin_login_redirect", "GET", V, fields=("next",)),
    _e("set_language", "POST", VL, fields=("language", "next")),
    # accounts
    _e("account_login", "POST", V, fields=("login", "password", "remember", "next"), limited=True),
    _e(
        "account_signup",
        "POST",
        V,
        fields=("email", "password1", "password2", "full_name", "country", "preferred_language"),
        limited=True,
    ),
    _e("account_reset_password", "POST", V, fields=("email",), limited=True),
    _e(
        "account_reset_password_from_key",
        "POST",
        V,
        fields=("password1", "password2"),
        limited=True,
    ),
    _e("account_confirm_email", "POST", V, limited=True),
    _e("account_logout", "POST", L, fields=("next",)),
    # The admin's log-out is allauth's view too (training_site/urls.py).
    _e("wagtailadmin_logout_allauth", "POST", L, fields=("next",)),
    _e("usersessions_list", "POST", L, fields=("action",)),
    _e("accounts_profile", "POST", L),
    _e("account_email", "POST", L, fields=("email", "action_add", "action_remove")),
    _e("account_change_password", "POST", L, limited=True),
    _e("account_reauthenticate", "POST", L, fields=("password", "next")),
    _e("mfa_activate_totp", "POST", L, fields=("code",), limited=True),
    _e("mfa_authenticate", "POST", V, fields=("code",)),
    # learning
    _e("dashboard", "GET", L, fields=("page", "course", "tab")),
    _e("course_enrol", "POST", L, fields=("next",)),
    _e("course_leave", "POST", L, fields=("next",)),
    _e("item_complete", "POST", L, fields=("next",)),
    _e("certificate_download", "GET", L),
    _e("QuizPage:overview", "GET", VL, fields=("attempt",)),
    _e("QuizPage:start", "POST", L),
    _e("QuizPage:attempt", "GET", L),
    _e("QuizPage:autosave", "POST", L, form_page="QuizPage:attempt"),
    _e("QuizPage:submit", "POST", L, form_page="QuizPage:attempt"),
    # cohorts, for trainees
    _e("cohorts:join_form", "POST", L, fields=("code",)),
    _e("cohorts:join", "POST", L),
    _e("cohorts:join", "GET", L),
    _e("cohorts:accept_invitation", "POST", V, fields=("new_password1", "new_password2")),
    # the trainer workspace
    _e("cohorts:home", "GET", T, fields=("page", "q")),
    _e("cohorts:create", "POST", T),
    _e("cohorts:edit", "POST", T),
    _e("cohorts:detail", "GET", (TRAINER, ADMIN), fields=("sort", "order", "status", "q")),
    _e("cohorts:invite", "POST", T, fields=("way", "addresses"), files=("upload",)),
    _e("cohorts:remind", "POST", T, fields=("trainees", "message")),
    _e("cohorts:quiz_statistics", "GET", T, fields=("attempts",)),
    _e("cohorts:export", "POST", T, fields=("format",)),
    _e("cohorts:report", "GET", (TRAINER, ADMIN)),
    _e("cohorts:report_export", "POST", T, fields=("format",), form_page="cohorts:report"),
    _e("cohorts:export_status", "GET", T, fields=("format",)),
    _e("cohorts:export_download", "GET", T),
    # the admin's own screens
    _e("quizzes_import", "POST", A, fields=("token", "allow_partial"), files=("file",)),
    _e("quizzes_export", "GET", A, fields=("id", "format", "download", "language")),
    _e("quizzes_statistics_index", "GET", A, fields=("p", "q")),
    _e("quizzes_statistics", "GET", A, fields=("attempts", "format", "p")),
    _e("certificates:index", "GET", A, fields=("q", "p", "ordering", "status", "course")),
    _e("certificates:index_results", "GET", A, fields=("q", "p", "ordering")),
    _e("certificates:revoke", "POST", A, fields=("reason",)),
    _e("bulk:quizzes.question.export", "GET", A, fields=("id",)),
]

# Fuzzed, but served by Wagtail's or Django's own views (the resolver walk skips those).
NOT_INTROSPECTED = {"bulk:quizzes.question.export", "wagtailadmin_login_redirect"}

# Endpoints of the site's own code (and allauth's) that take no input worth fuzzing.
EXEMPT = {
    "healthz": "no input: reports the services",
    "certificates:inspect": "a read-only record; its only input is the id in the path",
    "account_inactive": "a static page",
    "account_email_verification_sent": "a static page",
    "account_reset_password_done": "a static page",
    "account_reset_password_from_key_done": "a static page",
    "account_set_password": "only for accounts without a password, which this site has not",
    "account_confirm_login_code": "login by code is off (the view answers 404)",
    "account_request_reauthentication_code": "login by code is off (the view answers 404)",
    "account_confirm_reauthentication_code": "login by code is off (the view answers 404)",
    "mfa_index": "a list of the user's authenticators, no input",
    "mfa_reauthenticate": "allauth's, the same form as mfa_authenticate",
    "mfa_deactivate_totp": "allauth's, a confirmation after reauthentication",
    "mfa_view_recovery_codes": "allauth's, no input",
    "mfa_generate_recovery_codes": "allauth's, a confirmation after reauthentication",
    "mfa_download_recovery_codes": "allauth's, no input",
    # RoutablePageMixin's default route for "", shadowed by each page's own (fuzzed above)
    "IndicatorIndexPage:index_route": "the page's `frameworks` route answers first",
    "LibraryPage:index_route": "the page's `documents` route answers first",
    "QuizPage:index_route": "the page's `overview` route answers first",
}


# ---------------------------------------------------------------------------------------------
# The world the requests run in
# ---------------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict
    course: object
    lesson: object
    quiz: object
    cohort: object
    export_job: object
    case_index: object
    invitation_path: tuple[str, str]
    reset_key: str
    paths: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)  # (endpoint, role): names and values found

    def open_attempt(self) -> int:
        """The learner's open attempt at the quiz: one is started when none is open."""
        from quizzes import attempts
        from quizzes.choices import AttemptState
        from quizzes.models import Attempt

        attempt = Attempt.objects.filter(
            quiz=self.quiz, user=self.users[LEARNER], state=AttemptState.IN_PROGRESS
        ).first()
        if attempt is None:
            attempt = attempts.start_attempt(
                user=self.users[LEARNER], quiz=self.quiz, now=timezone.now()
            )
        return attempt.pk


def _route(page, name: str, *args) -> str:
    return page.url + page.reverse_subpage(name, args=args)


def _q(value) -> str:
    return quote(str(value), safe="")


def _int_or(value, real) -> str:
    """A path id: the real one, or any integer hypothesis drew (the int converter takes
    digits only; anything else would not reach the view)."""
    return str(value) if isinstance(value, int) else str(real)


def _str_or(value, real) -> str:
    return _q(value) if value is not None else _q(real)


def _page_paths(world: World) -> dict[str, Callable[[object], str]]:
    from framework_content.models import IndicatorIndexPage, KeyDocument, LibraryPage

    indicators = IndicatorIndexPage.objects.live().first().specific
    library = LibraryPage.objects.live().first().specific
    document = KeyDocument.objects.order_by("pk").first()
    framework_slug, indicator_slug = "mgi-2016", "eiu16-1-1"
    quiz, w = world.quiz, world
    return {
        "CourseIndexPage": lambda v: world.course.get_parent().url,
        "CaseStudyIndexPage": lambda v: world.case_index.url,
        "LessonPage": lambda v: world.lesson.url,
        "IndicatorIndexPage:frameworks": lambda v: indicators.url,
        "IndicatorIndexPage:crosswalk": lambda v: _route(indicators, "crosswalk"),
        "IndicatorIndexPage:framework": lambda v: _route(indicators, "framework", framework_slug),
        "IndicatorIndexPage:indicator": lambda v: _route(
            indicators, "indicator", framework_slug, indicator_slug
        ),
        "LibraryPage:documents": lambda v: library.url,
        "LibraryPage:document": lambda v: (
            library.url + (_q(v) if isinstance(v, str) else document.slug) + "/"
        ),
        "QuizPage:overview": lambda v: quiz.url,
        "QuizPage:start": lambda v: _route(quiz, "start"),
        "QuizPage:attempt": lambda v: _route(quiz, "attempt", int(_int_or(v, w.open_attempt()))),
        "QuizPage:autosave": lambda v: _route(quiz, "autosave", int(_int_or(v, w.open_attempt()))),
        "QuizPage:submit": lambda v: _route(quiz, "submit", int(_int_or(v, w.open_attempt()))),
    }


def _url_paths(world: World) -> dict[str, Callable[[object], str]]:
    c, job = world.cohort, world.export_job
    course, lesson = world.course, world.lesson
    uid, token = world.invitation_path
    quiz = world.quiz

    def named(name, *args):
        """reverse(), with ids its converter would refuse put in afterwards."""
        stand_ins = [str(10**12 + n) for n in range(len(args))]
        url = reverse(name, args=stand_ins)
        for stand_in, arg in zip(stand_ins, args, strict=True):
            url = url.replace(stand_in, str(arg))
        return url

    return {
        "course_enrol": lambda v: named("course_enrol", _int_or(v, course.pk)),
        "course_leave": lambda v: named("course_leave", _int_or(v, course.pk)),
        "item_complete": lambda v: named("item_complete", _int_or(v, lesson.pk)),
        "certificate_download": lambda v: f"/certificates/{_str_or(v, 'NOPE')}/download/",
        "certificate_verify": lambda v: f"/certificates/verify/{_str_or(v, 'NOPE')}/",
        "cohorts:join": lambda v: f"/join/{_str_or(v, c.join_code)}/",
        "cohorts:accept_invitation": lambda v: f"/invitation/{uid}/{_str_or(v, token)}/",
        "account_reset_password_from_key": lambda v: (
            f"/accounts/password/reset/key/{_str_or(v, world.reset_key)}/"
        ),
        "account_confirm_email": lambda v: f"/accounts/confirm-email/{_str_or(v, 'x:y')}/",
        "cohorts:detail": lambda v: named("cohorts:detail", _int_or(v, c.pk)),
        "cohorts:edit": lambda v: named("cohorts:edit", _int_or(v, c.pk)),
        "cohorts:invite": lambda v: named("cohorts:invite", _int_or(v, c.pk)),
        "cohorts:remind": lambda v: named("cohorts:remind", _int_or(v, c.pk)),
        "cohorts:export": lambda v: named("cohorts:export", _int_or(v, c.pk)),
        "cohorts:quiz_statistics": lambda v: named(
            "cohorts:quiz_statistics", c.pk, _int_or(v, quiz.pk)
        ),
        "cohorts:export_status": lambda v: named("cohorts:export_status", _int_or(v, job.pk)),
        "cohorts:export_download": lambda v: named("cohorts:export_download", _int_or(v, job.pk)),
        "quizzes_statistics": lambda v: named("quizzes_statistics", _int_or(v, quiz.pk)),
        "certificates:revoke": lambda v: named("certificates:revoke", _int_or(v, 1)),
        "bulk:quizzes.question.export": lambda v: "/admin/bulk/quizzes/question/export/",
    }


def _path(world: World, endpoint_name: str, value) -> str:
    builder = world.paths.get(endpoint_name)
    if builder is not None:
        return builder(value)
    return reverse(endpoint_name)


def _build_world() -> World:
    from django.contrib.auth.models import Group
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode
    from wagtail.models import Site

    from accounts.choices import Role
    from accounts.models import User
    from case_studies.models import CaseStudyIndexPage
    from cohorts import exports
    from courses.models import CourseIndexPage
    from tests.case_studies.conftest import make_case_study
    from tests.cohorts.conftest import add_member, make_cohort
    from tests.courses.conftest import make_small_course
    from tests.mfa import activate_totp
    from tests.quizzes.builders import KINDS, make_question, make_quiz

    def person(email, role=None, **extra):
        user = User.objects.create_user(
            email=email, password="pw-0123456789", full_name=email.split("@")[0], **extra
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    learner = person("lea@example.org", Role.TRAINEES)
    trainer = person("tess@example.org", Role.TRAINERS)
    activate_totp(trainer)
    admin = User.objects.create_superuser(email="ada@example.org", password="pw-0123456789")
    activate_totp(admin)
    invitee = person("invited@example.org")

    framework = Site.objects.get(is_default_site=True).root_page.specific
    index = CourseIndexPage(title="Courses", slug="courses")
    framework.add_child(instance=index)
    small = make_small_course(index)
    quiz = make_quiz(small.modules[0], [make_question(kind) for kind in KINDS])
    cohort = make_cohort(small.course, [trainer])
    add_member(cohort, learner)
    case_index = CaseStudyIndexPage(title="Case studies", slug="case-studies")
    framework.add_child(instance=case_index)
    case_index.save_revision().publish()
    make_case_study(case_index, "Fuzzland", country="FR")
    job = exports.request_export(
        user=trainer,
        kind=exports.COHORT_MATRIX,
        params={"cohort_id": cohort.pk},
        file_format="csv",
        language="en",
    )
    w = World(
        users={VISITOR: None, LEARNER: learner, TRAINER: trainer, ADMIN: admin},
        course=small.course,
        lesson=small.lessons[0][0],
        quiz=quiz,
        cohort=cohort,
        export_job=job,
        case_index=case_index,
        invitation_path=(
            urlsafe_base64_encode(force_bytes(invitee.pk)),
            default_token_generator.make_token(invitee),
        ),
        reset_key=f"{invitee.pk:x}-set-password",
    )
    w.paths = {**_page_paths(w), **_url_paths(w)}
    return w


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """Built once for the module (building it takes seconds) in a transaction rolled back at
    the end; each test runs in a savepoint inside it (pytest-django's own), so what one
    test's requests wrote is gone before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(_module_world, db):
    return _module_world


# ---------------------------------------------------------------------------------------------
# Reading a page's forms, counting rows
# ---------------------------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """Names of the inputs, selects and textareas in a page's forms, and option values."""

    def __init__(self):
        super().__init__()
        self.names: list[str] = []
        self.values: list[str] = []
        self.defaults: list[tuple[str, str]] = []  # what the browser would send untouched
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name, value = attrs.get("name"), attrs.get("value") or ""
        if tag in ("input", "select", "textarea", "button") and name:
            if name not in self.names:
                self.names.append(name)
            if value and tag in ("input", "button"):
                self.values.append(value)
            kind = attrs.get("type", "text")
            if tag == "select":
                self._select = name
            elif tag == "textarea" or (tag == "input" and kind not in ("checkbox", "radio")):
                if kind not in ("submit", "file"):
                    self.defaults.append((name, value))
            elif tag == "input" and "checked" in attrs:
                self.defaults.append((name, value))
        elif tag == "option" and attrs.get("value"):
            self.values.append(attrs["value"])
            if self._select:
                self.defaults.append((self._select, attrs["value"]))
                self._select = None


def _client(world: World, role: str) -> Client:
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def _form_fields(world: World, endpoint: Endpoint, role: str):
    """(names, plausible values, defaults) of the forms on the endpoint's page."""
    page = endpoint.form_page or (endpoint.name if endpoint.method == "GET" else None)
    names, values, defaults = [], [], []
    for candidate in filter(None, [page, endpoint.name]):
        try:
            path = _path(world, candidate, None)
        except Exception:  # noqa: S112 - a POST-only route has no page of its own
            continue
        response = _client(world, role).get(path)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = _FormFields()
            parser.feed(response.content.decode())
            names, values, defaults = parser.names, parser.values, parser.defaults
            break
    for name in endpoint.fields:
        if name not in names:
            names.append(name)
    names = [n for n in names if n != "csrfmiddlewaretoken"]
    defaults = [(n, v) for n, v in defaults if n != "csrfmiddlewaretoken"]
    return names or ["q"], values or ["1"], defaults


WATCHED_APPS = (*PROJECT_APPS, "account", "mfa")


def _watched_tables() -> list[str]:
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models()
            if model._meta.app_label in WATCHED_APPS
            and not model._meta.proxy
            and not issubclass(model, Page)
        }
    )


def row_counts() -> dict[str, int]:
    """Rows of every table of learner and account data, in one query."""
    tables = _watched_tables()
    quoted = [connection.ops.quote_name(table) for table in tables]
    # Table names from the models, quoted by the backend: no input reaches this SQL.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {name})" for name in quoted)  # noqa: S608
    sql = f"SELECT {counts}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _resolve(token, names: list[str], values: list[str]):
    if isinstance(token, Like):
        return next((n for n in names if re.fullmatch(token.pattern, n)), token.pattern)
    if isinstance(token, FieldName):
        return names[token.index % len(names)]
    if isinstance(token, Plausible):
        return values[token.index % len(values)]
    return token


def _pairs(fuzz: Fuzz, names, values, defaults) -> list[tuple[str, str]]:
    drawn = [(_resolve(k, names, values), _resolve(v, names, values)) for k, v in fuzz.pairs]
    if not fuzz.base:
        return drawn
    merged = {}
    for key, value in defaults:
        merged.setdefault(key, []).append(value)
    replaced = set()
    for key, value in drawn:  # a drawn key replaces the page's value; drawn twice, repeats
        if key not in replaced:
            merged[key], replaced = [], replaced | {key}
        merged.setdefault(key, []).append(value)
    return [(key, value) for key, group in merged.items() for value in group]


def send(client: Client, endpoint: Endpoint, path: str, fuzz: Fuzz, pairs):
    headers = {"Accept": "application/json"} if fuzz.accept_json else {}
    encoded = urlencode(pairs, encoding="utf-8", errors="surrogatepass")
    if fuzz.raw:
        encoded = f"{encoded}&{fuzz.raw}" if encoded else fuzz.raw
    if endpoint.method == "GET":
        return client.get(f"{path}?{encoded}", headers=headers)
    if fuzz.urlencoded and not endpoint.files:
        return client.post(
            path, encoded, content_type="application/x-www-form-urlencoded", headers=headers
        )
    data: dict[str, list] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    for name in endpoint.files:
        if fuzz.file_body is not None:
            data[name] = SimpleUploadedFile(fuzz.file_name, fuzz.file_body, "text/csv")
    return client.post(path, data, headers=headers)


def refused(endpoint: Endpoint, response) -> bool:
    """A 4xx, or a form shown again after a POST (a JSON 200 is the autosave's success)."""
    if response.status_code >= 400:
        return True
    html = "html" in response.get("Content-Type", "")
    return endpoint.method == "POST" and response.status_code == 200 and html


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------

QUIZ_POSTS = ("QuizPage:autosave", "QuizPage:submit")
CASES = [pytest.param(e, role, id=f"{e.id} as {role}") for e in ENDPOINTS for role in e.roles]


@pytest.mark.parametrize(("endpoint", "role"), CASES)
@FUZZ
@given(fuzz=FUZZES)
# Regressions, each a server error this test found (and the fix it needed):
# "²".isdigit() and "①".isdigit() are true, int() refuses them: ?course= on a lesson, a
# country filter of the search (django-countries), question ids of the export, trainees to
# remind, a matching answer's index and an ordering answer's position.
@example(fuzz=Fuzz(pairs=[("course", "²")], only=("LessonPage",)))
@example(fuzz=Fuzz(pairs=[("q", "migration"), ("country", "①")], only=("search",)))
@example(fuzz=Fuzz(pairs=[("id", "①")], only=("quizzes_export",)))
@example(fuzz=Fuzz(base=True, pairs=[("trainees", "①")], only=("cohorts:remind",)))
@example(fuzz=Fuzz(base=True, pairs=[(Like(r"q4-(?!shown).+"), "①")], only=QUIZ_POSTS))
@example(fuzz=Fuzz(base=True, pairs=[(Like(r"q5-(?!shown).+"), "²")], only=QUIZ_POSTS))
# A page's id beyond any integer column (CoursePage and QuizPage look up by `page_ptr`).
@example(fuzz=Fuzz(path_value=2**70, only=("course_enrol", "course_leave", "quizzes_statistics")))
@example(fuzz=Fuzz(base=True, pairs=[("course", str(2**70))], only=("cohorts:create",)))
def test_hostile_input_never_errs_nor_writes_when_refused(world, endpoint, role, fuzz):
    if fuzz.only and endpoint.name not in fuzz.only:
        return
    key = (endpoint.id, role)
    if key not in world.fields:
        world.fields[key] = _form_fields(world, endpoint, role)
    names, values, defaults = world.fields[key]
    if endpoint.limited:
        cache.clear()
    client = _client(world, role)
    path = _path(world, endpoint.name, fuzz.path_value)  # may start a quiz attempt: before
    pairs = _pairs(fuzz, names, values, defaults)
    before = row_counts()
    response = send(client, endpoint, path, fuzz, pairs)
    assert response.status_code < 500, (endpoint.id, role, response.status_code)
    if refused(endpoint, response):
        after = row_counts()
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert not changed, f"{endpoint.id} refused ({response.status_code}) but wrote {changed}"


# --- every endpoint is declared ---------------------------------------------------------------


def _view_module(callback) -> str:
    view = getattr(callback, "view_class", None) or callback
    return getattr(view, "__module__", "") or ""


def _resolver_names(patterns, namespace="") -> set[str]:
    names: set[str] = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _resolver_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            module = _view_module(entry.callback)
            ours = module.split(".")[0] in PROJECT_APPS
            if ours or module.startswith(
                ("allauth.account", "allauth.mfa", "allauth.usersessions")
            ):
                names.add(namespace + entry.name)
    return names


def _page_endpoints() -> set[str]:
    """Routes of the site's routable pages, and page types whose context reads the query."""
    found: set[str] = set()
    for model in apps.get_models():
        if not issubclass(model, Page) or model._meta.app_label not in PROJECT_APPS:
            continue
        if issubclass(model, RoutablePageMixin):
            found |= {f"{model.__name__}:{p.name}" for p in model.get_subpage_urls()}
        elif "get_context" in vars(model) and re.search(
            r"request\.GET|course_item_context",
            inspect.getsource(model.get_context),
        ):
            found.add(model.__name__)
    return found


def test_every_endpoint_is_declared():
    """A new view, form or page route is noticed: fuzz it (ENDPOINTS) or say why not."""
    known = _resolver_names(get_resolver().url_patterns) | _page_endpoints()
    declared = {e.name for e in ENDPOINTS}
    missing = known - declared - set(EXEMPT)
    assert not missing, f"fuzz these in ENDPOINTS, or exempt them with a reason: {missing}"
    stale = (declared | set(EXEMPT)) - known - NOT_INTROSPECTED
    assert not stale, f"declared but no longer served: {stale}"


def test_the_fuzzer_reaches_the_forms(world):
    """The field names come from the pages themselves: a broken scrape would fuzz nothing."""
    by_name = {e.id: e for e in ENDPOINTS}
    names, _, defaults = _form_fields(world, by_name["POST cohorts:create"], TRAINER)
    assert {"name", "course", "starts_on", "ends_on", "trainers"} <= set(names)
    assert "course" in dict(defaults)
    names, _, _ = _form_fields(world, by_name["POST QuizPage:submit"], LEARNER)
    assert {"q4-shown", "q5-shown"} <= set(names)
    assert any(re.fullmatch(r"q4-(?!shown).+", n) for n in names)  # a matching prompt
    names, _, _ = _form_fields(world, by_name["GET search"], VISITOR)
    assert "q" in names
