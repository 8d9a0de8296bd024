"""What the load generator asks for: each page's requests, with real sessions.

Logged-in requests carry a session created here in the site's own session store (the one
gunicorn reads), for real users of the built data set. Learner pages cycle through
SESSION_LEARNERS learners, each asking for a course, lesson and quiz of a course they are
enrolled in, so per-user work is not served from one warm cache. POST requests carry a
CSRF cookie and the same secret in the form, and an Origin matching the Host, as a browser
behind the HTTPS proxy would.

Each page also has a `probe`: a request kept out of the load, for counting queries.
"""

from __future__ import annotations

import random
from importlib import import_module
from urllib.parse import urlencode

from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.http import HttpRequest
from django.urls import reverse

from accounts.mfa import user_has_mfa
from accounts.models import User
from accounts.sessions import track
from case_studies.models import CaseStudyPage
from framework_content.models import FrameworkElementPage
from search.models import EntryKind, GuidanceEntry

from .data import SEED, SESSION_LEARNERS, Built, new_csrf_secret

# Distinct searches the load cycles through: enough that neither of wrk's two threads (each
# starting half way round from the other) comes back to a search answered earlier in the
# run below 400 requests/s (2 s of warm-up and 8 s measured: 4,000 requests).
SEARCHES = 4_000
HOST = "localhost"  # in ALLOWED_HOSTS of every bench run (bench/run.py)
ORIGIN = f"https://{HOST}"


def session_cookie(user: User) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    request = HttpRequest()
    request.session, request.user = store, user
    if user_has_mfa(user):  # staff: a log-in with their code, as the admin requires
        record_authentication(request, user, "mfa", type="totp")
    store.create()
    # Recorded as a log-in records it (accounts.sessions), so no request tracks it later.
    track(request, user)
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def get(path: str, cookie: str | None = None) -> dict:
    headers = {"Host": HOST}
    if cookie:
        headers["Cookie"] = cookie
    return {"method": "GET", "path": path, "headers": headers, "body": None}


def post(path: str, cookie: str, fields: dict[str, str] | list[tuple[str, str]]) -> dict:
    secret = new_csrf_secret()
    pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
    return {
        "method": "POST",
        "path": path,
        "headers": {
            "Host": HOST,
            "Cookie": f"{cookie}; {settings.CSRF_COOKIE_NAME}={secret}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": ORIGIN,
            "Referer": f"{ORIGIN}{path}",
        },
        "body": urlencode([("csrfmiddlewaretoken", secret), *pairs]),
    }


def page(name: str, group: str, requests: list[dict], probe: dict, single_use=False) -> dict:
    return {
        "name": name,
        "group": group,
        "single_use": single_use,
        "requests": requests,
        "probe": probe,
    }


def _submit_fields(attempt, rng: random.Random | None) -> list[tuple[str, str]]:
    """Random choices; with rng=None, the right ones (the probe always takes the same path:
    a passed quiz, which records the item as done)."""
    fields = []
    for item in attempt.items.order_by("position"):
        shown = item.snapshot["display"]["choices"]
        right = [c["key"] for c in item.snapshot["choices"] if c.get("correct")]
        fields.append((f"q{item.position}-shown", "1"))
        fields.append((f"q{item.position}", rng.choice(shown) if rng else right[0]))
    return fields


def build_manifest(built: Built, sizes: dict) -> dict:
    rng = random.Random(SEED + 1)  # noqa: S311 - synthetic data, not security
    pages = []

    # --- anonymous guidance -----------------------------------------------------------------
    pages.append(page("home", "guidance", [get("/")], get("/")))
    elements = [get(e.url) for e in FrameworkElementPage.objects.live().order_by("path")]
    pages.append(page("element", "guidance", elements, elements[0]))
    indicators = [
        get(url)
        for url in GuidanceEntry.objects.filter(kind=EntryKind.INDICATOR)
        .order_by("key")
        .values_list("url", flat=True)
    ]
    pages.append(page("indicator", "guidance", indicators, indicators[0]))
    cases = [get(c.url) for c in CaseStudyPage.objects.live().order_by("path")]
    pages.append(page("case_study", "guidance", cases, cases[0]))

    # --- learners: each asks for pages of a course they are enrolled in -----------------------
    enrolled: dict[int, list[int]] = {}
    for enrolment in built.enrolments:
        enrolled.setdefault(enrolment.user_id, []).append(enrolment.course_id)
    submitters = {a.user_id for a in built.submit_attempts}
    learners = [u for u in built.learners if u.pk in enrolled and u.pk not in submitters]
    learners = rng.sample(learners, k=min(SESSION_LEARNERS + 1, len(learners)))
    courses = {c.pk: c for c in built.courses}
    course_reqs, lesson_reqs, quiz_reqs, dashboard_reqs = [], [], [], []
    for learner in learners:
        cookie = session_cookie(learner)
        course_id = rng.choice(enrolled[learner.pk])
        course_reqs.append(get(courses[course_id].url, cookie))
        lesson_reqs.append(get(rng.choice(built.lessons_by_course[course_id]).url, cookie))
        quiz_reqs.append(get(rng.choice(built.quizzes_by_course[course_id]).url, cookie))
        dashboard_reqs.append(get(reverse("dashboard"), cookie))
    for name, reqs in (
        ("dashboard", dashboard_reqs),
        ("course", course_reqs),
        ("lesson", lesson_reqs),
        ("quiz", quiz_reqs),
    ):
        pages.append(page(name, "learner", reqs[1:], reqs[0]))

    # --- a quiz submission: each open attempt submitted once --------------------------------
    quiz = built.submit_quiz
    submits = []
    users = User.objects.in_bulk([a.user_id for a in built.submit_attempts])
    for number, attempt in enumerate(built.submit_attempts):
        path = quiz.url + quiz.reverse_subpage("submit", args=(attempt.pk,))
        submits.append(
            post(
                path,
                session_cookie(users[attempt.user_id]),
                _submit_fields(attempt, None if number == 0 else rng),  # 0: the probe
            )
        )
    pages.append(page("quiz_submit", "learner", submits[1:], submits[0], single_use=True))

    # --- the trainer workspace -----------------------------------------------------------------
    trainer = User.objects.get(email="trainer@example.org")
    administrator = User.objects.get(email="admin@example.org")
    matrix = get(reverse("cohorts:detail", args=(built.cohorts[0].pk,)), session_cookie(trainer))
    pages.append(page("cohort_matrix", "trainer", [matrix], matrix))
    report = get(reverse("cohorts:report"), session_cookie(administrator))
    pages.append(page("programme_report", "trainer", [report], report))

    # --- search ----------------------------------------------------------------------------------
    # Many different searches, half of one word and half of two: each search's answer is
    # cached briefly (search.engines.database), and the figure must not be that of a warm
    # cache. Some with a type or language filter (a word with another filter is another
    # search: the vocabulary has fewer words than half the searches).
    words = built.words
    filters = [
        [],
        [("kind", "lesson")],
        [("language", "en")],
        [("kind", "lesson"), ("language", "en")],
    ]
    one_word = [
        [("q", word), *filters[(n % len(words) + n // len(words)) % len(filters)]]
        for n, word in enumerate(rng.sample(words, k=len(words)) * len(filters))
    ][: SEARCHES // 2]
    two_words = [
        [("q", " ".join(rng.sample(words, k=2))), *filters[n % len(filters)]]
        for n in range(SEARCHES - len(one_word))
    ]
    searches = [get(f"{reverse('search')}?{urlencode(params)}") for params in one_word + two_words]
    pages.append(page("search", "search", searches[1:], searches[0]))
    prefixes = sorted({w[:3] for w in words})
    suggests = [get(f"{reverse('search_suggest')}?{urlencode({'q': p})}") for p in prefixes]
    pages.append(page("suggest", "search", suggests[1:] or suggests, suggests[0]))

    return {
        "sizes": sizes,
        "floor": {"requests": [get("/bench/floor/")]},
        "pages": pages,
    }
