"""Load check: many learners at once, then the database must hold exactly what they did.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/migof make load-check
    .venv/bin/python bench/load_learners.py --help

1. Builds a small data set in a fresh PostgreSQL database named after DATABASE_URL's with
   `_load` appended (marked as the harness's own, as bench/run.py marks its databases;
   dropped at the end unless --keep): `migrate`, `load_framework`, one course of two
   modules (eight lessons, two quizzes of five questions) as bench/data.py builds them, and
   LEARNERS learner accounts (verified e-mail addresses, one password hash).
2. Serves it with gunicorn under the production settings on 127.0.0.1 (bench/run.py's
   Server), behind no proxy: requests say `X-Forwarded-Proto: https`, as the proxy would.
3. LEARNERS threads, for SECONDS, each a learner in a browser: half sign in through the real
   login form (allauth counts sign-ins per address: 30 a minute), the others with a session
   prepared in the site's session store as bench/manifest.py does; each joins a course
   (POST, CSRF token from the page), then opens and completes its lessons one by one and
   starts, answers and submits its quiz, again and again. Some clicks are sent twice, as an
   impatient learner would.
4. Checks, after the server has stopped: no response 5xx, no connection error, and the
   database holds exactly what the clients saw done: one enrolment per learner; a
   completed-lesson row for every lesson completed and none other (no lost, no doubled
   rows); every submitted attempt finished, no other finished attempt; each attempt's
   stored answers are the ones sent.

Exit status: 0, all checks passed; 1, a check failed (each failure is printed); 2, it could
not run (no PostgreSQL DATABASE_URL, gunicorn did not start...). Standard library only
(psycopg and Django from the project's virtual environment).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BenchError, Databases, Server, bench_env, log, manage  # noqa: E402

HOST = "localhost"
ORIGIN = f"https://{HOST}"
PASSWORD = "load-learner-password-7"  # synthetic accounts in a throwaway database
# Production settings plus the bench app (seed_demo refuses plain production settings).
SETTINGS = "bench.settings"
REQUEST_TIMEOUT = 60


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50, help="concurrent learners (50)")
    parser.add_argument("--seconds", type=float, default=60, help="how long they work (60)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--port", type=int, default=8766, help="gunicorn's port (8766)")
    parser.add_argument("--var-dir", type=Path, default=Path("var/load"), help="logs (var/load)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


# --- the data set ---------------------------------------------------------------------------


@dataclass
class Plan:
    course_id: int
    course_url: str
    lessons: list[tuple[int, str]]  # (page id, url) in course order
    quiz_id: int
    quiz_url: str
    learners: list[dict]  # {"id", "email", "cookie" (None: signs in through the form)}


def prepare(count: int) -> Plan:
    """Run inside Django (the load database): choose a course, make the learners."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from wagtail.models import Site

    from accounts.choices import Role
    from accounts.models import User
    from bench import data
    from bench.manifest import session_cookie
    from courses.models import CourseIndexPage
    from framework_content.models import Indicator
    from quizzes.models import QuizPage

    # One course of two modules (four lessons and a five-question quiz each), built as
    # bench/data.py builds its large data set.
    rng = random.Random(data.SEED)  # noqa: S311 - synthetic data, not security
    text = data.Text(rng)
    now = timezone.now()
    if not CourseIndexPage.objects.exists():
        home = Site.objects.get(is_default_site=True).root_page
        home.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    indicators = list(Indicator.objects.order_by("pk"))
    questions = data._questions(10, text, rng, indicators)
    sizes = {"modules": 2, "lessons": 8, "courses": 1}
    courses, lessons_of, quiz_of = data._content_pages(sizes, text, rng, questions, indicators, now)
    course, modules = courses[0]
    lessons = [lesson for module in modules for lesson in lessons_of[module.pk]]
    quiz = quiz_of[modules[0].pk]
    # Learners retry the quiz as often as they like, with no clock running.
    QuizPage.objects.filter(pk=quiz.pk).update(
        attempts_allowed=0, time_limit_minutes=None, opens_at=None, closes_at=None
    )
    hashed = make_password(PASSWORD)
    trainees = Group.objects.get(name=Role.TRAINEES)
    learners = []
    for n in range(count):
        email = f"load-learner-{n:03d}@example.org"
        user = User.objects.create(email=email, full_name=f"Load Learner {n}", password=hashed)
        user.groups.add(trainees)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        cookie = None if n % 2 == 0 else session_cookie(user)
        learners.append({"id": user.pk, "email": email, "cookie": cookie})
    return Plan(
        course_id=course.pk,
        course_url=course.url,
        lessons=[(lesson.pk, lesson.url) for lesson in lessons],
        quiz_id=quiz.pk,
        quiz_url=quiz.url,
        learners=learners,
    )


# --- a learner's browser --------------------------------------------------------------------


class Failure(Exception):
    pass


class _Form(HTMLParser):
    """The csrf token, and the quiz form's fields: what a learner would answer."""

    def __init__(self):
        super().__init__()
        self.csrf = None
        self.shown: list[str] = []
        self.radios: dict[str, list[str]] = defaultdict(list)
        self.boxes: dict[str, list[str]] = defaultdict(list)
        self.texts: list[str] = []
        self.selects: dict[str, list[str]] = {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name, value = a.get("name") or "", a.get("value") or ""
        if tag == "input" and name == "csrfmiddlewaretoken":
            self.csrf = value
        elif tag == "input" and name.endswith("-shown"):
            self.shown.append(name)
        elif tag == "input" and a.get("type") == "radio":
            self.radios[name].append(value)
        elif tag == "input" and a.get("type") == "checkbox":
            self.boxes[name].append(value)
        elif tag == "input" and a.get("type") == "text" and re.fullmatch(r"q\d+", name):
            self.texts.append(name)
        elif tag == "select" and re.fullmatch(r"q\d+-.+", name):
            self._select = name
            self.selects[name] = []
        elif tag == "option" and self._select and value:
            self.selects[self._select].append(value)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


@dataclass
class Learner:
    port: int
    plan: Plan
    who: dict
    rng: random.Random
    cookies: dict = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    enrolled: bool = False
    completed: set = field(default_factory=set)  # lesson page ids
    attempts: dict = field(default_factory=dict)  # attempt id -> {position: expected}
    requests: int = 0

    # HTTP ------------------------------------------------------------------------------

    def request(self, method: str, path: str, fields=None) -> tuple[int, dict, str]:
        headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(fields or [])
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": ORIGIN,
                    "Referer": f"{ORIGIN}{path}",
                }
            )
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.errors.append(f"{method} {path}: connection error {error!r}")
            raise Failure from error
        finally:
            connection.close()
        self.requests += 1
        self.statuses[response.status] += 1
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.status >= 500:
            self.errors.append(f"{method} {path}: {response.status}")
            raise Failure
        return response.status, dict(response.getheaders()), text

    def expect(self, wanted: int, method: str, path: str, fields=None):
        status, headers, text = self.request(method, path, fields)
        if status != wanted:
            self.errors.append(f"{method} {path}: {status}, expected {wanted}")
            raise Failure
        return headers, text

    def page_form(self, path: str) -> _Form:
        _, text = self.expect(200, "GET", path)
        form = _Form()
        form.feed(text)
        if form.csrf is None:
            self.errors.append(f"GET {path}: no CSRF token in the page")
            raise Failure
        return form

    def post(self, path: str, form: _Form, fields=()):
        return self.expect(302, "POST", path, [("csrfmiddlewaretoken", form.csrf), *fields])

    # what a learner does -----------------------------------------------------------------

    def sign_in(self) -> None:
        if self.who["cookie"]:
            name, _, value = self.who["cookie"].partition("=")
            self.cookies[name] = value
            return
        form = self.page_form("/accounts/login/")
        self.post("/accounts/login/", form, [("login", self.who["email"]), ("password", PASSWORD)])

    def enrol(self) -> None:
        form = self.page_form(self.plan.course_url)
        path = f"/learning/courses/{self.plan.course_id}/enrol/"
        self.post(path, form, [("next", self.plan.course_url)])
        self.enrolled = True

    def complete_next_lesson(self) -> bool:
        todo = [(pk, url) for pk, url in self.plan.lessons if pk not in self.completed]
        if not todo:
            return False
        pk, url = todo[0]
        form = self.page_form(url)
        path = f"/learning/items/{pk}/complete/"
        self.post(path, form, [("next", url)])
        self.completed.add(pk)
        if self.rng.random() < 0.2:  # a double click
            self.post(path, form, [("next", url)])
        return True

    def take_quiz(self) -> None:
        form = self.page_form(self.plan.quiz_url)
        headers, _ = self.post(self.plan.quiz_url + "start/", form)
        location = urlsplit(headers.get("Location", "")).path
        match = re.search(r"/attempts/(\d+)/$", location)
        if not match:
            self.errors.append(f"starting the quiz led to {location!r}, not an attempt")
            raise Failure
        attempt_id = int(match.group(1))
        quiz_form = self.page_form(location)
        fields, expected = self.answers(quiz_form)
        submit = location + "submit/"
        self.post(submit, quiz_form, fields)
        self.attempts[attempt_id] = expected
        if self.rng.random() < 0.2:  # sent again (a retry): graded once, nothing changes
            self.post(submit, quiz_form, fields)

    def answers(self, form: _Form) -> tuple[list, dict]:
        """Form fields answering every question, and the stored answer each should give."""
        fields, expected = [(name, "1") for name in form.shown], {}
        for name, values in form.radios.items():
            value = self.rng.choice(values)
            fields.append((name, value))
            expected[int(name[1:])] = value
        for name, values in form.boxes.items():
            value = self.rng.choice(values)
            fields.append((name, value))
            expected[int(name[1:])] = [value]
        for name in form.texts:
            fields.append((name, "migration governance"))
            expected[int(name[1:])] = "migration governance"
        by_question: dict[int, dict] = defaultdict(dict)
        for name, values in form.selects.items():
            number, key = name[1:].split("-", 1)
            value = values[len(by_question[int(number)]) % len(values)]  # distinct positions
            fields.append((name, value))
            by_question[int(number)][key] = value
        for number, chosen in by_question.items():
            expected[number] = ("select", sorted(chosen))
        return fields, expected

    def run(self, deadline: float) -> None:
        try:
            self.sign_in()
            self.enrol()
            while time.monotonic() < deadline:
                if self.rng.random() < 0.35 or not self.complete_next_lesson():
                    self.take_quiz()
                self.expect(200, "GET", "/dashboard/")
        except Failure:
            pass
        except Exception as error:  # noqa: BLE001 - reported as a failure of the run
            self.errors.append(f"client error: {error!r}")


# --- checking the database ------------------------------------------------------------------


def check_database(plan: Plan, learners: list[Learner]) -> list[str]:
    from courses.models import Enrolment, ItemProgress
    from quizzes.choices import AttemptState
    from quizzes.models import Attempt, AttemptQuestion

    problems = []
    lesson_ids = [pk for pk, _ in plan.lessons]
    for learner in learners:
        uid, who = learner.who["id"], learner.who["email"]
        enrolments = Enrolment.objects.filter(user_id=uid, course_id=plan.course_id).count()
        if enrolments != (1 if learner.enrolled else 0):
            problems.append(f"{who}: {enrolments} enrolments, the client enrolled once")
        rows = list(
            ItemProgress.objects.filter(user_id=uid, page_id__in=lesson_ids).values_list(
                "page_id", "completed_at"
            )
        )
        doubled = [pk for pk, n in Counter(pk for pk, _ in rows).items() if n > 1]
        if doubled:
            problems.append(f"{who}: doubled progress rows for lessons {doubled}")
        done = {pk for pk, completed_at in rows if completed_at is not None}
        if done != learner.completed:
            problems.append(
                f"{who}: lessons completed in the database {sorted(done)}, "
                f"by the client {sorted(learner.completed)}"
            )
        finished = set(
            Attempt.objects.filter(
                user_id=uid, quiz_id=plan.quiz_id, state=AttemptState.FINISHED
            ).values_list("pk", flat=True)
        )
        if finished != set(learner.attempts):
            problems.append(
                f"{who}: {len(finished)} finished attempts in the database, "
                f"{len(learner.attempts)} submitted by the client "
                f"(only in the database: {sorted(finished - set(learner.attempts))[:5]}, "
                f"only in the client: {sorted(set(learner.attempts) - finished)[:5]})"
            )
        stored = defaultdict(dict)
        for attempt_id, position, answer in AttemptQuestion.objects.filter(
            attempt_id__in=learner.attempts
        ).values_list("attempt_id", "position", "answer"):
            stored[attempt_id][position] = answer
        for attempt_id, expected in learner.attempts.items():
            got = stored[attempt_id]
            if set(got) != set(expected):
                problems.append(
                    f"{who}: attempt {attempt_id} has questions {sorted(got)}, "
                    f"the form showed {sorted(expected)}"
                )
                continue
            for position, want in expected.items():
                answer = got[position]
                if isinstance(want, tuple):  # matching or ordering: every row answered
                    ok = isinstance(answer, dict) and sorted(answer) == want[1]
                    ok = ok and all(v is not None for v in answer.values())
                else:
                    ok = answer == want
                if not ok:
                    problems.append(
                        f"{who}: attempt {attempt_id} question {position} stored {answer!r}, "
                        f"sent {want!r}"
                    )
    return problems


def drop(databases: Databases, size: str) -> None:
    from psycopg import sql

    with databases._connect("postgres") as conn:
        name = sql.Identifier(databases.pg_name(size))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


# --- the run --------------------------------------------------------------------------------


def run(args) -> int:
    databases = Databases(args.var_dir)
    if databases.engine != "postgresql":
        raise BenchError(
            "The load check needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/NAME "
            "(it builds and drops NAME_load)."
        )
    databases.prepare("load", rebuild=True)
    try:
        return load_and_check(args, databases)
    finally:
        from django.conf import settings
        from django.db import connections

        if settings.configured:  # the drop needs the harness's own connections closed
            connections.close_all()
        if not args.keep:
            drop(databases, "load")


def load_and_check(args, databases: Databases) -> int:
    started = time.monotonic()
    env = bench_env(SETTINGS, databases.url("load"))
    env["CACHE_KEY_PREFIX"] = f"load-{os.getpid()}-{int(time.time())}"  # nothing kept from before
    os.environ.update(env)
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["load_framework"],
        ["collectstatic", "--no-input", "-v", "0"],
    ):
        step = time.monotonic()
        manage(env, *command)
        log(f"  ({time.monotonic() - step:.0f} s)")

    import django

    django.setup()
    from django.db import connections

    plan = prepare(args.learners)
    connections.close_all()
    log(
        f"data built in {time.monotonic() - started:.0f} s: course {plan.course_url} "
        f"({len(plan.lessons)} lessons, quiz {plan.quiz_url}), {len(plan.learners)} learners"
    )

    server = Server(env, args.port, args.workers, args.var_dir / "gunicorn.log")
    learners = [
        Learner(args.port, plan, who, random.Random(n))  # noqa: S311 - not security
        for n, who in enumerate(plan.learners)
    ]
    try:
        server.start()
        log(f"{len(learners)} learners for {args.seconds:g} s")
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=lr.run, args=(deadline,)) for lr in learners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()

    statuses = sum((lr.statuses for lr in learners), Counter())
    errors = [error for lr in learners for error in lr.errors]
    log(
        f"{sum(lr.requests for lr in learners)} requests {dict(sorted(statuses.items()))}; "
        f"{sum(len(lr.completed) for lr in learners)} lessons completed, "
        f"{sum(len(lr.attempts) for lr in learners)} quiz attempts submitted"
    )
    problems = [f"request failed: {error}" for error in errors]
    problems += check_database(plan, learners)
    if not any(lr.attempts for lr in learners) or not any(lr.completed for lr in learners):
        problems.append("the learners completed no lesson or submitted no attempt: nothing checked")
    if problems:
        for problem in problems[:50]:
            print(f"FAIL: {problem}", file=sys.stderr)
        more = len(problems) - 50
        if more > 0:
            print(f"FAIL: ... and {more} more", file=sys.stderr)
        print(f"gunicorn's log: {args.var_dir / 'gunicorn.log'}", file=sys.stderr)
        return 1
    log(f"load check passed in {time.monotonic() - started:.0f} s: the database matches")
    return 0


def main() -> int:
    args = parse_args()
    try:
        return run(args)
    except BenchError as error:
        print(f"load check could not run: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
