"""Who may open which URL: the whole site's access policy in one table, checked against every
view the site has.

Every URL pattern of `get_resolver()` (through every include: our apps, allauth, the whole
Wagtail admin) and every route of a routable page type (the quiz's attempt pages) must be
covered by a rule below, or `test_every_view_has_a_declared_access_rule` fails and names it.
Rules are tried in order; the first that matches a pattern decides. A name pattern is
matched with fnmatch against the namespaced URL name ("cohorts:detail"; page routes are
"page:<app_label.model>:<route>"); one starting with "/" against the route instead.

`test_each_role_gets_what_the_table_says` then logs in once as each role and GETs every
pattern it can build a URL for: all of ours (their parameters filled from `params` with
real objects from tests/security/conftest.py), every parameterless Wagtail admin view and
those parameterised ones whose parameters have a sample value (`sample=True` rules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlsafe_base64_encode

from tests.security.conftest import ROLES, TRAINEE, World
from tests.security.urlwalk import Pattern, all_patterns

# --- outcomes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    label: str
    status: int | None  # None: the view raises
    to: str | None = None  # a redirect's target: a path, or a URL name (with the same kwargs)

    def target(self, kwargs: dict) -> str:
        if self.to.startswith("/"):
            return self.to
        try:
            return reverse(self.to, kwargs=kwargs)
        except NoReverseMatch:
            return reverse(self.to)


def redirect(to: str, label: str | None = None) -> Outcome:
    return Outcome(label or f"redirect to {to}", 302, to)


OK = Outcome("200", 200)
LOGIN = redirect("account_login", "redirect to log in")
HOME = redirect("/", "redirect to the home page")
ADMIN_HOME = redirect("wagtailadmin_home", "Wagtail's 'no permission' (to the admin home)")
ADMIN_LOGIN = redirect("wagtailadmin_login", "redirect to the admin log-in (then allauth's)")
REAUTH = redirect("account_reauthenticate", "redirect to confirm the password again")
CHANGE_PASSWORD = redirect("account_change_password")
ASK_CODE = redirect("account_request_reauthentication_code")
NEW_TASK = redirect("/admin/workflows/tasks/add/wagtailcore/groupapprovaltask/")
HISTORY = redirect("wagtailadmin_pages:history")
E400 = Outcome("400", 400)
E403 = Outcome("403", 403)
E404 = Outcome("404", 404)
E405 = Outcome("405", 405)
RAISES = Outcome("an exception", None)
# In the "other trainee" and "other trainer" columns: the same as the trainee (trainer)
# column, not requested again. Only URLs of someone's object can differ between them.
SAME = Outcome("same as the column before", None)


# --- rules ---------------------------------------------------------------------------------

Params = dict[str, Callable[[World], object]]


@dataclass(frozen=True)
class Rule:
    match: tuple[str, ...]
    expect: tuple[Outcome, ...]  # one per role, in ROLES order
    params: Params = field(default_factory=dict)  # parameter values for these patterns only
    url: Callable[[World], str] | None = None  # for a pattern that cannot be reversed
    sample: bool = False  # request only the patterns whose parameters all have values

    def __post_init__(self):
        assert len(self.expect) == len(ROLES), f"{self.match}: one outcome per role"

    def covers(self, pattern: Pattern) -> bool:
        return any(
            fnmatchcase(pattern.route, glob[1:])
            if glob.startswith("/")
            else fnmatchcase(pattern.name, glob)
            for glob in self.match
        )

    def expected(self, role: str) -> Outcome:
        return self.expect[ROLES.index(role)]


def rule(match, *expect: Outcome, **options) -> Rule:
    return Rule((match,) if isinstance(match, str) else tuple(match), expect, **options)


def _uid(user) -> str:
    return urlsafe_base64_encode(str(user.pk).encode())


# Parameter values shared by every rule: real objects of the world. A rule adds its own.
def params(w: World) -> dict[str, object]:
    from framework_content.models import Indicator, KeyDocument

    indicator = Indicator.objects.select_related("domain__framework").first()
    lesson = w.lessons[0]
    return {
        "course_id": w.course.pk,
        "page_id": lesson.pk,
        "parent_page_id": lesson.get_parent().pk,
        "page_to_move_id": lesson.pk,
        "cohort_id": w.cohort.pk,
        "quiz_id": w.quiz.pk,
        "job_id": w.export_job.pk,
        "attempt_id": w.attempt_done.pk,
        "framework_slug": indicator.domain.framework.slug,
        "indicator_slug": indicator.slug,
        "slug": KeyDocument.objects.first().slug,
        "content_type_app_name": "framework_content",
        "content_type_model_name": "lessonpage",
    }


_ = SAME
# fmt: off
RULES: list[Rule] = [
    #                                   anonymous trainee other  trainer other  editor   admin
    # --- the public site: everyone ----------------------------------------------------------
    rule("healthz",                          OK,    OK,    _,     OK,    _,     OK,    OK),
    rule("wagtail_serve",                    OK,    OK,    _,     OK,    _,     OK,    OK,
         url=lambda w: w.lessons[0].url),
    rule(("search", "search_suggest"),       OK,    OK,    _,     OK,    _,     OK,    OK),
    rule("page:framework_content.*",         OK,    OK,    _,     OK,    _,     OK,    OK),
    rule(("page:quizzes.quizpage:overview", "page:quizzes.quizpage:index_route"),
                                             OK,    OK,    _,     OK,    _,     OK,    OK),
    rule("certificate_verify",               OK,    OK,    _,     OK,    _,     OK,    OK,
         params={"code": lambda w: w.certificate.code}),
    rule("wagtaildocs_serve",                OK,    OK,    _,     OK,    _,     OK,    OK,
         url=lambda w: w.document.url),
    # Wagtail's password forms for a private page or collection: the password is the key.
    rule("wagtailcore_authenticate_with_password",
                                             OK,    OK,    _,     OK,    _,     OK,    OK,
         params={"page_view_restriction_id": lambda w: w.page_restriction.pk,
                 "page_id": lambda w: w.page_restriction.page_id}),
    rule("wagtaildocs_authenticate_with_password",
                                             OK,    OK,    _,     OK,    _,     OK,    OK,
         params={"restriction_id": lambda w: w.collection_restriction.pk}),
    # POST only, for everyone (the 405 comes before any sign-in check; see test_idor.py).
    rule(("set_language", "page:quizzes.quizpage:start", "page:quizzes.quizpage:autosave",
          "page:quizzes.quizpage:submit", "cohorts:export", "cohorts:report_export"),
                                             E405,  E405,  _,     E405,  _,     E405,  E405),

    # --- accounts: allauth's log-in (then TOTP for staff), nobody else's ---------------------
    rule(("wagtailadmin_login_redirect", "wagtailadmin_login", "wagtailcore_login",
          "wagtailcore_login_redirect"),     LOGIN, LOGIN, _,     LOGIN, _,     LOGIN, LOGIN),
    rule(("account_login", "account_signup"), OK,   HOME,  _,     HOME,  _,     HOME,  HOME),
    # Logging out is a POST; a GET asks to confirm and logs nobody out.
    rule(("account_logout", "wagtailadmin_logout", "wagtailadmin_logout_allauth"),
                                             HOME,  OK,    _,     OK,    _,     OK,    OK),
    rule(("account_inactive", "account_email_verification_sent", "account_reset_password",
          "account_reset_password_done", "account_reset_password_from_key_done"),
                                             OK,    OK,    _,     OK,    _,     OK,    OK),
    # A wrong key: allauth's page says the link is invalid.
    rule(("account_confirm_email", "account_reset_password_from_key"),
                                             OK,    OK,    _,     OK,    _,     OK,    OK,
         params={"key": lambda w: "not-a-key", "uidb36": lambda w: "1"}),
    # Their own sessions (allauth's user sessions: list them, sign the others out).
    rule(("accounts_profile", "account_email", "account_change_password",
          "account_reauthenticate", "account_request_reauthentication_code", "mfa_index",
          "usersessions_list"),
                                             LOGIN, OK,    _,     OK,    _,     OK,    OK),
    rule(("account_confirm_login_code", "mfa_authenticate"),
                                             LOGIN, HOME,  _,     HOME,  _,     HOME,  HOME),
    rule("account_set_password",             LOGIN, CHANGE_PASSWORD, _, CHANGE_PASSWORD, _,
                                                           CHANGE_PASSWORD, CHANGE_PASSWORD),
    rule("account_confirm_reauthentication_code",
                                             LOGIN, ASK_CODE, _,  ASK_CODE, _,  ASK_CODE, ASK_CODE),
    # Two-factor settings ask for the password again first; a trainee has no TOTP to manage.
    rule(("mfa_activate_totp", "mfa_generate_recovery_codes"),
                                             LOGIN, REAUTH, _,    REAUTH, _,    REAUTH, REAUTH),
    rule(("mfa_deactivate_totp", "mfa_view_recovery_codes", "mfa_download_recovery_codes"),
                                             LOGIN, E404,  _,     REAUTH, _,    REAUTH, REAUTH),
    rule("mfa_reauthenticate",               LOGIN, redirect("account_reauthenticate"), _,
                                                           OK,    _,     OK,    OK),

    # --- learning: signed-in learners, each their own ----------------------------------------
    rule("dashboard",                        LOGIN, OK,    _,     OK,    _,     OK,    OK),
    rule(("course_enrol", "course_leave", "item_complete"),
                                             LOGIN, E405,  _,     E405,  _,     E405,  E405),
    # The trainee's own certificate file and quiz attempt; nobody else's, whatever their role.
    rule("certificate_download",             LOGIN, OK,    E404,  E404,  E404,  E404,  E404,
         params={"code": lambda w: w.certificate.code}),
    rule("page:quizzes.quizpage:attempt",    LOGIN, OK,    E404,  E404,  E404,  E404,  E404),
    rule("cohorts:join_form",                LOGIN, OK,    _,     OK,    _,     OK,    OK),
    # The cohort's code is the invitation: whoever has it sees what they would join.
    rule("cohorts:join",                     LOGIN, OK,    OK,    OK,    _,     OK,    OK,
         params={"code": lambda w: w.cohort.join_code}),
    # The signed link is the proof; a wrong token is refused with a page that says so.
    rule("cohorts:accept_invitation",        E400,  E400,  _,     E400,  _,     E400,  E400,
         params={"uidb64": lambda w: _uid(w.users[TRAINEE]), "token": lambda w: "bad-token"}),

    # --- the trainer workspace: trainers (their own cohorts), administrators (all) -----------
    rule(("cohorts:home", "cohorts:create", "cohorts:report"),
                                             LOGIN, E403,  _,     OK,    _,     E403,  OK),
    rule(("cohorts:detail", "cohorts:edit", "cohorts:invite", "cohorts:remind",
          "cohorts:quiz_statistics"),        LOGIN, E403,  _,     OK,    E404,  E403,  OK),
    # An export is its requester's alone, even for an administrator.
    rule(("cohorts:export_status", "cohorts:export_download"),
                                             LOGIN, E403,  _,     OK,    E404,  E403,  E404),

    # --- the Wagtail admin: staff only; what each staff role may do there ---------------------
    rule(("wagtailadmin_sprite", "wagtailadmin_javascript_catalog"),
                                             OK,    OK,    _,     OK,    _,     OK,    OK),
    # Wagtail's own password reset is off (WAGTAIL_PASSWORD_MANAGEMENT_ENABLED): allauth's only.
    rule("wagtailadmin_password_reset*",     E404,  E404,  _,     E404,  _,     E404,  E404,
         params={"uidb64": lambda w: _uid(w.users[TRAINEE]), "token": lambda w: "bad-token"}),
    # Wagtail's page for testing error reports raises on purpose, for staff.
    rule("wagtailadmin_error_test",          LOGIN, LOGIN, _,     RAISES, _,    RAISES, RAISES),
    rule("/admin/^.*/$",                     ADMIN_LOGIN, ADMIN_LOGIN, _, E404, _,  E404,  E404,
         url=lambda w: "/admin/no-such-page/"),
    # Our admin views. Question bank import/export and quiz statistics: every staff role.
    rule(("quizzes_import", "quizzes_export", "quizzes_statistics_index", "quizzes_statistics"),
                                             LOGIN, LOGIN, _,     OK,    _,     OK,    OK,
         params={"page_id": lambda w: w.quiz.pk}),
    # Certificates (learners' names) are managed by administrators only.
    rule("certificates:*",                   LOGIN, LOGIN, _,  ADMIN_HOME, _, ADMIN_HOME, OK,
         params={"pk": lambda w: w.certificate.pk}),
    # Wagtail lists only the collections one may delete: any other is not found.
    rule("wagtailadmin_collections:delete",  LOGIN, LOGIN, _,     E404,  _,     E404,  OK,
         sample=True),
    rule("wagtailredirects:process_import",  LOGIN, LOGIN, _,  ADMIN_HOME, _, ADMIN_HOME, E405),
    # Users, roles, sites, languages, collections, workflows and redirects: administrators.
    rule(("wagtailusers_*:*", "wagtailsites:*", "wagtaillocales:*", "wagtailadmin_collections:*",
          "wagtailredirects:*", "wagtailadmin_workflows:index*", "wagtailadmin_workflows:add",
          "wagtailadmin_workflows:task_index*", "wagtailadmin_workflows:edit*",
          "wagtailadmin_workflows:usage*", "wagtailadmin_workflows:disable"),
                                             LOGIN, LOGIN, _,  ADMIN_HOME, _, ADMIN_HOME, OK,
         sample=True),
    rule("wagtailadmin_workflows:select_task_type",
                                             LOGIN, LOGIN, _,  ADMIN_HOME, _, ADMIN_HOME, NEW_TASK),
    # Search terms: Wagtail shows them to superusers only (nobody here).
    rule("wagtailsearchpromotions:search_terms*",
                                             LOGIN, LOGIN, _,  ADMIN_HOME, _, ADMIN_HOME,
                                                                             ADMIN_HOME),
    # Promoted search results: editors and administrators.
    rule(("wagtailsearchpromotions:index*", "wagtailsearchpromotions:add",
          "wagtailsearchpromotions:edit", "wagtailsearchpromotions:delete"),
                                             LOGIN, LOGIN, _,  ADMIN_HOME, _, OK,    OK,
         sample=True),
    # Every snippet has its own menu, so Wagtail's list of snippet types is empty: refused.
    rule("wagtailsnippets:index",            LOGIN, LOGIN, _,  ADMIN_HOME, _, ADMIN_HOME,
                                                                             ADMIN_HOME),
    # Indicator frameworks and key documents: trainers list and choose them, editors and
    # administrators edit them.
    rule(("wagtailsnippets_framework_content_*:add", "wagtailsnippets_framework_content_*:edit",
          "wagtailsnippets_framework_content_*:copy", "wagtailsnippets_framework_content_*:delete",
          "wagtailsnippets_framework_content_*:usage", "wagtailsnippets_framework_content_*:hist*",
          "wagtailsnippetchoosers_framework_content_*:create"),
                                             LOGIN, LOGIN, _,  ADMIN_HOME, _, OK,    OK,
         sample=True),
    # The question bank: trainers write questions, editors and administrators also delete.
    rule("wagtailsnippets_quizzes_question:delete",
                                             LOGIN, LOGIN, _,  ADMIN_HOME, _, OK,    OK,
         sample=True),
    # Publishing, unpublishing, moving, deleting, privacy and locking: not trainers.
    rule(("wagtailadmin_pages:delete", "wagtailadmin_pages:unpublish", "wagtailadmin_pages:move*",
          "wagtailadmin_pages:set_privacy", "wagtailadmin_reports:locked_pages*"),
                                             LOGIN, LOGIN, _,  ADMIN_HOME, _, OK,    OK,
         sample=True),
    # Translating: editors and administrators.
    rule("wagtail_localize:submit_*",        LOGIN, LOGIN, _,  ADMIN_HOME, _, OK,    OK,
         sample=True),
    rule("wagtailadmin_pages:revisions_index", LOGIN, LOGIN, _,  HISTORY, _,   HISTORY, HISTORY),
    # GET on Wagtail's POST-only admin actions.
    rule(("wagtailadmin_pages:set_page_position", "wagtailadmin_pages:lock",
          "wagtailadmin_pages:unlock", "wagtailadmin_workflows:enable"),
                                             LOGIN, LOGIN, _,     E405,  _,     E405,  E405,
         sample=True),
    # Sampled URLs that point at nothing of their kind here (the lesson is not an alias,
    # a form page or a block; the API's "find" needs a query): not found, for staff.
    rule(("wagtailadmin_api:*:find", "wagtailadmin_pages:convert_alias",
          "wagtail_localize:convert_to_alias", "wagtailforms:list_submissions*",
          "wagtailadmin_block_preview"),     LOGIN, LOGIN, _,     E404,  _,     E404,  E404,
         sample=True),
    rule("wagtailforms:delete_submissions",  LOGIN, LOGIN, _,  ADMIN_HOME, _, ADMIN_HOME,
                                                                             ADMIN_HOME,
         sample=True),
    # Everything else under /admin/: every staff role (editing pages and drafts, images,
    # documents, the question bank, reports, choosers). Wagtail sends a signed-in trainee back
    # to the log-in page with a message.
    rule("/admin/*",                         LOGIN, LOGIN, _,     OK,    _,     OK,    OK,
         sample=True),
]
# fmt: on


# A sample object for an admin URL's "pk", by the URL's namespace: the latest one (not the
# root collection), but the first user (the trainee: an administrator cannot delete themself).
SAMPLE_MODELS = {
    "wagtailusers_users": "accounts.User",
    "wagtailusers_groups": "auth.Group",
    "wagtailsites": "wagtailcore.Site",
    "wagtaillocales": "wagtailcore.Locale",
    "wagtailadmin_collections": "wagtailcore.Collection",
    "wagtailadmin_workflows": "wagtailcore.Workflow",
    "wagtailsnippets_framework_content_indicatorframework": "framework_content.IndicatorFramework",
    "wagtailsnippets_framework_content_indicatordomain": "framework_content.IndicatorDomain",
    "wagtailsnippets_framework_content_indicator": "framework_content.Indicator",
    "wagtailsnippets_framework_content_keydocument": "framework_content.KeyDocument",
    "wagtailsnippets_quizzes_question": "quizzes.Question",
}


def sample_pk(pattern: Pattern) -> int | None:
    from django.apps import apps

    label = SAMPLE_MODELS.get(pattern.name.split(":", 1)[0])
    if label is None or "task" in pattern.name:
        return None
    order = "pk" if label == "accounts.User" else "-pk"
    found = apps.get_model(label).objects.order_by(order).first()
    return found.pk if found else None


def find_rule(pattern: Pattern) -> Rule | None:
    return next((r for r in RULES if r.covers(pattern)), None)


# --- coverage ------------------------------------------------------------------------------


def test_every_view_has_a_declared_access_rule():
    missing = [
        f"new view without a declared access rule: {p.name or '(unnamed)'} {p.route}"
        for p in all_patterns()
        if find_rule(p) is None
    ]
    assert not missing, "\n".join(missing)


def test_every_rule_covers_some_view():
    patterns = all_patterns()
    unused = [r.match for r in RULES if not any(find_rule(p) is r for p in patterns)]
    assert not unused, f"rules that cover no view (stale, or shadowed by an earlier rule): {unused}"


# --- the matrix ----------------------------------------------------------------------------


def build_url(pattern: Pattern, rule_: Rule, world: World, values: dict) -> str | None:
    """The URL to request for `pattern`, or None for a sample rule missing a value."""
    if rule_.url is not None:
        return rule_.url(world)
    if "pk" in pattern.params and "pk" not in values and rule_.sample:
        pk = sample_pk(pattern)
        values = values if pk is None else {**values, "pk": pk}
    missing = [name for name in pattern.params if name not in values]
    if missing:
        if rule_.sample:
            return None
        raise AssertionError(f"no value for {missing} to request {pattern.label}")
    kwargs = {name: values[name] for name in pattern.params}
    if pattern.regex and pattern.name:
        return reverse(pattern.name, kwargs=kwargs)
    if pattern.page_model is not None:
        page = page_for(pattern.page_model, world)
        route_name = pattern.name.rsplit(":", 1)[1]
        return page.url + page.reverse_subpage(route_name, kwargs=kwargs)
    if pattern.name:
        return reverse(pattern.name, kwargs=kwargs)
    assert not pattern.regex, f"give the rule for {pattern.label} a url"
    return "/" + pattern.route


def page_for(model, world: World):
    if model._meta.label_lower == "quizzes.quizpage":
        return world.quiz
    page = model.objects.live().first()
    assert page is not None, f"no live {model._meta.label} to request its routes"
    return page


def describe(response) -> str:
    location = response.get("Location")
    return f"{response.status_code} to {location}" if location else str(response.status_code)


def matches(outcome: Outcome, response, kwargs: dict) -> bool:
    if response.status_code != outcome.status:
        return False
    if outcome.to is None:
        return True
    return urlsplit(response["Location"]).path == outcome.target(kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(world, role):
    client = world.client(role)
    shared = params(world)
    problems, requested = [], 0
    for pattern in all_patterns():
        rule_ = find_rule(pattern)
        if rule_ is None:
            continue  # the coverage test names it
        expected = rule_.expected(role)
        if expected is SAME:
            continue
        values = {**shared, **{name: value(world) for name, value in rule_.params.items()}}
        try:
            url = build_url(pattern, rule_, world, values)
        except AssertionError as error:
            problems.append(str(error))
            continue
        if url is None:
            continue
        requested += 1
        kwargs = {name: values[name] for name in pattern.params if name in values}
        try:
            response = client.get(url)
        except Exception as error:  # noqa: BLE001 - a view that raises is a result too
            if expected is not RAISES:
                problems.append(
                    f"{pattern.label} GET {url}: expected {expected.label}, raised {error!r}"
                )
            continue
        if expected is RAISES or not matches(expected, response, kwargs):
            problems.append(
                f"{pattern.label} GET {url}: expected {expected.label}, got {describe(response)}"
            )
    assert requested > 0
    assert not problems, f"{role}:\n" + "\n".join(problems)
    if world.users[role] is not None:  # no GET logged anyone out
        assert client.session.get("_auth_user_id") == str(world.users[role].pk)


# --- no way in around allauth ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/_util/login/", "/admin/login/"])
def test_no_other_log_in_form_lets_staff_in_with_a_password_alone(world, client, path):
    """Wagtail's own log-in forms (the admin's, and the one for private pages) would skip
    allauth's TOTP step, rate limits and e-mail check: they only send people to allauth's."""
    from tests.security.conftest import PASSWORD, TRAINER

    trainer = world.users[TRAINER]
    response = client.post(path, {"username": trainer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("cohorts:home")).status_code == 302  # to log in
