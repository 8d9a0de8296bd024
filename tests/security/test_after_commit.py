"""Tasks leave only after their transaction commits: a rolled-back write sends nothing.

Each service that queues Celery work runs twice inside `transaction.atomic()`: once the block
raises (rolled back: no task sent, and no row left), once it commits (the task sent exactly
once, only when the commit happens). The tasks' `apply_async` (what `delay` calls) is
replaced by a recorder: the broker is the outside world.

A scan of the source then checks that every `.delay(` / `.apply_async(` / `.send_task(` in
our code sits inside a `transaction.on_commit(...)` callback, so a new one cannot slip in.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import transaction

from cohorts import exports
from cohorts.invitations import Invitee, invite_to_cohort
from cohorts.models import ExportJob, Membership, Reminder
from cohorts.notifications import request_reminders
from courses import services
from courses.models import CourseIndexPage, Enrolment
from framework_content.models import LessonPage
from tests.cohorts.conftest import add_member, make_cohort, make_user
from tests.courses.conftest import make_course, make_module

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
BASE_DIR = Path(__file__).resolve().parents[2]


class Rollback(Exception):
    """Raised inside the block to roll it back."""


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list]]:
    """Every task our code queues, as (task name, args), instead of reaching a broker."""
    from cohorts.tasks import run_export_task, send_invitations_task, send_reminders_task
    from courses.tasks import issue_certificate_task
    from search.tasks import index_object_task, remove_object_task

    record: list[tuple[str, list]] = []
    for task in (
        issue_certificate_task,
        run_export_task,
        send_invitations_task,
        send_reminders_task,
        index_object_task,
        remove_object_task,
    ):

        def apply_async(args=None, kwargs=None, *, _name=task.name, **options):
            record.append((_name.rsplit(".", 1)[-1], list(args or ())))

        monkeypatch.setattr(task, "apply_async", apply_async)
    return record


@pytest.fixture
def after_commit(sent, django_capture_on_commit_callbacks):
    """`after_commit(action)`: run `action` in a block that is rolled back, check nothing
    was sent, then in one that commits, check nothing was sent before the commit; returns
    what the commit sent and the action's result."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(Rollback), transaction.atomic():
                action()
                raise Rollback
        assert sent == [], "a rolled-back transaction sent a task"

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with transaction.atomic():
                result = action()
            assert sent == [], "a task was sent before the transaction committed"
        assert callbacks, "nothing was queued on commit"
        return list(sent), result

    return run


@pytest.fixture
def course(framework):
    index = CourseIndexPage(title="Courses", slug="courses-commit")
    framework.add_child(instance=index)
    module, _lessons = make_module("P2", "Evidence")
    return make_course(index, "Evidence in policy", [module])


@pytest.fixture
def lessons(course) -> list[LessonPage]:
    return list(course.course_modules.get().module.get_children().specific())


@pytest.fixture
def trainer(db):
    return make_user("tess@example.org", "Tess Trainer")


@pytest.fixture
def cohort(course, trainer):
    return make_cohort(course, [trainer])


def test_the_certificate_is_queued_only_once_the_completion_commits(course, lessons, after_commit):
    learner = make_user("amina@example.org", "Amina Diallo")
    enrolment = services.enrol(user=learner, course=course, now=NOW)
    first, last = lessons
    services.complete_item(user=learner, page=first, now=NOW)

    tasks, _ = after_commit(lambda: services.complete_item(user=learner, page=last, now=NOW))

    assert tasks == [("issue_certificate_task", [enrolment.pk])]
    assert Enrolment.objects.get(pk=enrolment.pk).completed_at == NOW


def test_an_export_is_queued_only_once_its_job_commits(cohort, trainer, after_commit):
    def ask():
        return exports.request_export(
            user=trainer,
            kind=exports.COHORT_MATRIX,
            params={"cohort_id": cohort.pk},
            file_format="csv",
            language="en",
        )

    tasks, job = after_commit(ask)

    assert tasks == [("run_export_task", [job.pk])]
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [job.pk]  # none rolled back


def test_invitation_emails_are_queued_only_once_the_invitations_commit(
    cohort, trainer, after_commit
):
    invitees = [Invitee(email="aissatou@example.org", full_name="Aïssatou Ndiaye")]

    tasks, result = after_commit(
        lambda: invite_to_cohort(cohort=cohort, invitees=invitees, invited_by=trainer, now=NOW)
    )

    membership = Membership.objects.get(cohort=cohort)
    assert result.membership_ids == [membership.pk]
    assert tasks == [("send_invitations_task", [[membership.pk]])]


def test_reminders_are_queued_only_once_they_commit(cohort, trainer, after_commit):
    trainee = make_user("aissatou@example.org", "Aïssatou Ndiaye")
    add_member(cohort, trainee)

    tasks, request = after_commit(
        lambda: request_reminders(cohort=cohort, trainees=[trainee], sent_by=trainer, now=NOW)
    )

    reminder = Reminder.objects.get(cohort=cohort)
    assert [r.pk for r in request.reminders] == [reminder.pk]
    assert tasks == [("send_reminders_task", [[reminder.pk]])]


def test_search_indexing_is_queued_only_once_a_publish_commits(lessons, after_commit):
    lesson = lessons[0]

    def publish():
        page = LessonPage.objects.get(pk=lesson.pk)  # as the rolled-back block left it
        page.title = "Evidence, revised"
        page.save_revision().publish()

    tasks, _ = after_commit(publish)

    assert tasks == [("index_object_task", ["framework_content.lessonpage", lesson.pk])]


# --- no enqueueing outside on_commit ----------------------------------------------------------

ENQUEUEING = {"delay", "apply_async", "send_task"}


def _calls_on_commit(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "on_commit") or (
        isinstance(func, ast.Name) and func.id == "on_commit"
    )


def enqueueing_outside_on_commit(source: str) -> list[int]:
    """Lines of `source` that name `.delay` / `.apply_async` / `.send_task` anywhere but in
    an argument of `on_commit(...)` (a lambda, a `partial`), or in a module-level function
    that the module only ever hands to `on_commit` (a callback helper)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def in_on_commit(node: ast.AST) -> bool:
        while node in parents:
            parent = parents[node]
            if _calls_on_commit(parent) and node is not parent.func:
                return True
            node = parent
        return False

    def top_function(node: ast.AST) -> str | None:
        name = None
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node in tree.body:
                name = node.name
        return name

    functions = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    uses = defaultdict(list)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in functions:
            uses[node.id].append(node)
    callbacks = {name for name, found in uses.items() if all(in_on_commit(use) for use in found)}

    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ENQUEUEING
        and not in_on_commit(node)
        and top_function(node) not in callbacks
    )


def _our_modules() -> list[Path]:
    packages = [
        init.parent for init in BASE_DIR.glob("*/__init__.py") if init.parent.name != "tests"
    ]
    return sorted(path for package in packages for path in package.rglob("*.py"))


def test_every_task_our_code_queues_waits_for_the_commit():
    modules = _our_modules()
    assert {path.parent.name for path in modules} >= {"courses", "cohorts", "search"}

    outside = {
        str(path.relative_to(BASE_DIR)): lines
        for path in modules
        if (lines := enqueueing_outside_on_commit(path.read_text(encoding="utf-8")))
    }

    assert outside == {}, (
        "Queue tasks with transaction.on_commit (or task.delay_on_commit): a rolled-back "
        f"transaction must send nothing. Found at (file: lines): {outside}"
    )


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("def f(job):\n    run_task.delay(job.pk)\n", [2]),
        ("def f(job):\n    run_task.apply_async(args=[job.pk], countdown=5)\n", [2]),
        ("def f(job):\n    app.send_task('x', [job.pk])\n", [2]),
        ("def f():\n    send = run_task.delay\n    transaction.on_commit(lambda: send(1))\n", [2]),
        # a helper also called directly is not a callback
        (
            "def _send(pk):\n    run_task.delay(pk)\n\n"
            "def f(pk):\n    transaction.on_commit(partial(_send, pk))\n    _send(pk)\n",
            [2],
        ),
        ("def f(job):\n    transaction.on_commit(lambda: run_task.delay(job.pk))\n", []),
        ("def f(job):\n    transaction.on_commit(partial(run_task.delay, job.pk))\n", []),
        ("def f(job):\n    run_task.delay_on_commit(job.pk)\n", []),
        (
            "def _send(pk):\n    run_task.delay(pk)\n\n"
            "def f(pk):\n    transaction.on_commit(partial(_send, pk))\n",
            [],
        ),
    ],
)
def test_the_scan_finds_a_task_queued_outside_on_commit(source, lines):
    assert enqueueing_outside_on_commit(source) == lines
