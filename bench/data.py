"""A large, realistic data set for the benchmarks, on top of the demo site.

`build(scale)` loads the demo (framework, content, courses, quizzes, case studies, accounts,
demo cohort), then adds synthetic courses, modules, lessons, quizzes, questions, learners,
cohorts, enrolments, lesson progress, finished quiz attempts and search entries, at the
sizes in `DEFAULT_SIZES` times `scale`. Rows that no page writes one by one are inserted
with bulk_create; pages go through Wagtail's tree API so they are real, servable pages.

Deterministic for a given scale (one seeded random generator), so two runs measure the
same data. The synthetic search entries (`bench.synthetic:<n>`) stand in for the content a
national programme would add: copies of real entries' links, trail and facets with new
titles and text. `rebuild_guidance_index` deletes them.
"""

from __future__ import annotations

import io
import itertools
import random
import re
import secrets
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from wagtail.rich_text import RichText

from accounts.choices import Role
from accounts.models import User
from case_studies.choices import Region
from cohorts.models import Cohort, Membership, MembershipSource
from courses.choices import EnrolmentSource, Level
from courses.models import CourseIndexPage, CourseModule, CoursePage, Enrolment, ItemProgress
from framework_content.models import FrameworkElementPage, Indicator, LessonPage, ModulePage
from quizzes.choices import AttemptState, FinishReason
from quizzes.models import Attempt, AttemptQuestion, Question, QuestionChoice, QuizPage
from quizzes.selectors import plan_attempt
from search.engines import get_engine
from search.indexing import rebuild_all
from search.models import EntryKind, GuidanceEntry

DEFAULT_SIZES = {
    "courses": 20,
    "modules": 120,
    "lessons": 600,
    "questions": 2_000,
    "learners": 5_000,
    "cohorts": 100,
    "progress": 500_000,
    "attempts": 50_000,
    "search_items": 10_000,
}
COHORT_SIZE = 100  # the cohort matrix is measured with 100 trainees at every scale
QUESTIONS_PER_QUIZ = 5
CHOICES_PER_QUESTION = 4
SESSION_LEARNERS = 200  # distinct logged-in learners the load cycles through
SUBMIT_POOL = 3_000  # open attempts for the quiz-submission page (each submitted once)
BENCH_PASSWORD = "bench-learner-password"  # noqa: S105 - synthetic accounts only
SEED = 20_261_128
BATCH = 5_000

_WORD = re.compile(r"[A-Za-z][a-z]{3,}")


@dataclass
class Built:
    sizes: dict[str, int]
    courses: list[CoursePage]
    lessons_by_course: dict[int, list[LessonPage]]
    quizzes_by_course: dict[int, list[QuizPage]]
    items_by_course: dict[int, list[int]]
    learners: list[User]
    enrolments: list[Enrolment]
    cohorts: list[Cohort]
    submit_quiz: QuizPage
    submit_attempts: list[Attempt]
    words: list[str]


def scaled_sizes(scale: float) -> dict[str, int]:
    sizes = {name: max(1, round(value * scale)) for name, value in DEFAULT_SIZES.items()}
    sizes["modules"] = max(sizes["modules"], sizes["courses"])
    sizes["lessons"] = max(sizes["lessons"], sizes["modules"])
    sizes["questions"] = max(sizes["questions"], QUESTIONS_PER_QUIZ * 2)
    sizes["learners"] = max(sizes["learners"], COHORT_SIZE + SESSION_LEARNERS)
    return sizes


class Text:
    """Sentences from the demo content's own vocabulary, so search queries find things."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        corpus = " ".join(GuidanceEntry.objects.values_list("body", flat=True))
        counted = defaultdict(int)
        for word in _WORD.findall(corpus):
            counted[word.lower()] += 1
        self.words = sorted(w for w, n in counted.items() if n >= 2) or ["migration"]

    def sentence(self, n: int = 14) -> str:
        words = self.rng.choices(self.words, k=n)
        return " ".join(words).capitalize() + "."

    def title(self, n: int = 4) -> str:
        return " ".join(self.rng.choices(self.words, k=n)).capitalize()

    def paragraph(self, sentences: int = 5) -> str:
        return " ".join(self.sentence() for _ in range(sentences))


def _split(total: int, parts: int) -> list[int]:
    """`total` in `parts` near-equal whole numbers."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _questions(n: int, text: Text, rng: random.Random, indicators: list[Indicator]):
    created = Question.objects.bulk_create(
        [
            Question(
                title=f"Bench question {i + 1}: {text.title(3)}",
                kind="single_choice",
                stem=f"<p>{text.sentence(16)[:-1]}?</p>",
                explanation=text.sentence(),
                language="en",
                last_key_number=CHOICES_PER_QUESTION,
            )
            for i in range(n)
        ],
        batch_size=BATCH,
    )
    choices = []
    tags = []
    through = Question.indicators.through
    for question in created:
        right = rng.randrange(CHOICES_PER_QUESTION)
        for c in range(CHOICES_PER_QUESTION):
            choices.append(
                QuestionChoice(
                    question=question,
                    key=f"c{c + 1}",
                    text=text.title(6),
                    correct=c == right,
                    sort_order=c,
                )
            )
        for indicator in rng.sample(indicators, k=min(2, len(indicators))):
            tags.append(through(question_id=question.pk, indicator_id=indicator.pk))
    QuestionChoice.objects.bulk_create(choices, batch_size=BATCH)
    through.objects.bulk_create(tags, batch_size=BATCH)
    return created


def _content_pages(sizes, text: Text, rng: random.Random, questions, indicators, now):
    """Modules (under the six MIGOF elements), their lessons and one quiz each; courses."""
    elements = list(FrameworkElementPage.objects.order_by("path"))
    index = CourseIndexPage.objects.get()
    modules: list[ModulePage] = []
    lessons_of: dict[int, list[LessonPage]] = {}
    quiz_of: dict[int, QuizPage] = {}
    lesson_counts = _split(sizes["lessons"], sizes["modules"])
    question_cycle = itertools.cycle(questions)
    for m in range(sizes["modules"]):
        element = elements[m % len(elements)]
        module = ModulePage(
            title=f"{text.title(3)} ({m + 1})",
            slug=f"bench-module-{m + 1}",
            summary=text.sentence(20),
            learning_outcomes=[("outcome", text.sentence(10)) for _ in range(3)],
            estimated_minutes=60,
            first_published_at=now,
            last_published_at=now,
        )
        element.add_child(instance=module)
        module.indicators.set(rng.sample(indicators, k=min(3, len(indicators))))
        module.save()
        lessons_of[module.pk] = []
        for n in range(lesson_counts[m]):
            body = [("paragraph", RichText(f"<p>{text.paragraph()}</p>")) for _ in range(4)]
            lesson = LessonPage(
                title=f"{text.title(4)} ({m + 1}.{n + 1})",
                slug=f"lesson-{n + 1}",
                summary=text.sentence(18),
                estimated_minutes=10,
                body=body,
                first_published_at=now,
                last_published_at=now,
            )
            module.add_child(instance=lesson)
            lessons_of[module.pk].append(lesson)
        quiz = QuizPage(
            title=f"Check your understanding ({m + 1})",
            slug="check",
            intro=f"<p>{text.sentence()}</p>",
            content=[("question", next(question_cycle)) for _ in range(QUESTIONS_PER_QUIZ)],
            first_published_at=now,
            last_published_at=now,
        )
        module.add_child(instance=quiz)
        quiz_of[module.pk] = quiz
        modules.append(module)

    courses = []
    module_chunks = _split(len(modules), sizes["courses"])
    start = 0
    for c, count in enumerate(module_chunks):
        chunk = modules[start : start + count]
        start += count
        course = CoursePage(
            title=f"{text.title(5)} (course {c + 1})",
            slug=f"bench-course-{c + 1}",
            summary=text.sentence(24),
            audience=text.sentence(12),
            level=Level.INTERMEDIATE,
            course_language="en",
            estimated_hours=Decimal(len(chunk)),
            learning_outcomes=[("outcome", text.sentence(10)) for _ in range(4)],
            issues_certificate=True,
            first_published_at=now,
            last_published_at=now,
        )
        course.course_modules = [CourseModule(module=module) for module in chunk]
        index.add_child(instance=course)
        courses.append((course, chunk))
    return courses, lessons_of, quiz_of


def _learners(n: int, rng: random.Random, now) -> list[User]:
    password = make_password(BENCH_PASSWORD)
    countries = ["SN", "GH", "KE", "MX", "CO", "FR", "MA", "PH", "NP", "JO"]
    users = User.objects.bulk_create(
        [
            User(
                email=f"bench-learner-{i + 1}@example.org",
                full_name=f"Bench Learner {i + 1}",
                country=countries[i % len(countries)],
                organisation="Benchmark ministry",
                password=password,
                date_joined=now - timedelta(days=rng.randrange(1, 400)),
            )
            for i in range(n)
        ],
        batch_size=BATCH,
    )
    group, _ = Group.objects.get_or_create(name=Role.TRAINEES.value)
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=BATCH
    )
    return users


def _progress_plan(enrolment_items: list[int], total: int, rng: random.Random) -> list[int]:
    """How many items each enrolment has reached, summing to `total` (capped by the slots)."""
    capacity = sum(enrolment_items)
    total = min(total, capacity)
    weights = [rng.random() ** 0.7 * n for n in enrolment_items]
    scale = total / sum(weights) if weights else 0
    counts = [min(n, int(w * scale)) for w, n in zip(weights, enrolment_items, strict=True)]
    short = total - sum(counts)
    order = list(range(len(counts)))
    rng.shuffle(order)
    while short > 0:
        progressed = False
        for i in order:
            if short == 0:
                break
            if counts[i] < enrolment_items[i]:
                counts[i] += 1
                short -= 1
                progressed = True
        if not progressed:
            break
    return counts


@transaction.atomic
def build(scale: float = 1.0, *, stdout=None) -> Built:
    def say(message):
        if stdout is not None:
            stdout.write(message)

    rng = random.Random(SEED)  # noqa: S311 - synthetic data, not security
    now = timezone.now()
    sizes = scaled_sizes(scale)
    say(f"building {sizes}")
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    text = Text(rng)
    indicators = list(Indicator.objects.order_by("pk"))

    questions = _questions(sizes["questions"], text, rng, indicators)
    say(f"{len(questions)} questions")
    courses, lessons_of, quiz_of = _content_pages(sizes, text, rng, questions, indicators, now)
    say(f"{len(courses)} courses, {len(lessons_of)} modules")

    items_by_course: dict[int, list[int]] = {}
    lessons_by_course: dict[int, list[LessonPage]] = {}
    quizzes_by_course: dict[int, list[QuizPage]] = {}
    for course, chunk in courses:
        items = []
        lessons_by_course[course.pk] = []
        quizzes_by_course[course.pk] = []
        for module in chunk:
            lessons = lessons_of[module.pk]
            items += [lesson.pk for lesson in lessons] + [quiz_of[module.pk].pk]
            lessons_by_course[course.pk] += lessons
            quizzes_by_course[course.pk].append(quiz_of[module.pk])
        items_by_course[course.pk] = items
    course_pages = [course for course, _chunk in courses]

    learners = _learners(sizes["learners"], rng, now)
    say(f"{len(learners)} learners")

    # Cohorts of 100 over a sliding window of learners: each learner in about two cohorts.
    trainer = User.objects.get(email="trainer@example.org")
    step = max(1, (len(learners) - COHORT_SIZE) // max(1, sizes["cohorts"] - 1))
    regions = [value for value, _label in Region.choices]
    cohorts = Cohort.objects.bulk_create(
        [
            Cohort(
                name=f"Bench cohort {k + 1}",
                course=course_pages[k % len(course_pages)],
                country="SN",
                region=regions[k % len(regions)],
                host_organisation="Benchmark ministry",
                starts_on=(now - timedelta(days=30)).date(),
                ends_on=(now + timedelta(days=30)).date(),
                join_code=f"BENCH{k + 1:03d}"[:8],
                created_by=trainer,
            )
            for k in range(sizes["cohorts"])
        ]
    )
    Cohort.trainers.through.objects.bulk_create(
        [Cohort.trainers.through(cohort_id=c.pk, user_id=trainer.pk) for c in cohorts[:10]]
    )
    memberships = []
    wanted: dict[tuple[int, int], str] = {}
    for k, cohort in enumerate(cohorts):
        first = (k * step) % len(learners)
        for j in range(COHORT_SIZE):
            user = learners[(first + j) % len(learners)]
            memberships.append(
                Membership(
                    cohort=cohort,
                    user=user,
                    source=MembershipSource.CODE,
                    joined_at=now - timedelta(days=29),
                )
            )
            wanted.setdefault((user.pk, cohort.course_id), EnrolmentSource.COHORT)
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    # Two more self-chosen courses each, so progress rows reach their target.
    for user in learners:
        for course in rng.sample(course_pages, k=min(2, len(course_pages))):
            wanted.setdefault((user.pk, course.pk), EnrolmentSource.SELF)
    keys = sorted(wanted)
    counts = _progress_plan(
        [len(items_by_course[course_id]) for _user, course_id in keys], sizes["progress"], rng
    )
    enrolments = []
    progress = []
    for (user_id, course_id), reached in zip(keys, counts, strict=True):
        items = items_by_course[course_id]
        enrolled_at = now - timedelta(days=rng.randrange(5, 60))
        last = enrolled_at + timedelta(days=rng.randrange(0, 5), hours=reached)
        done = reached == len(items)
        enrolments.append(
            Enrolment(
                user_id=user_id,
                course_id=course_id,
                source=wanted[(user_id, course_id)],
                enrolled_at=enrolled_at,
                last_activity_at=min(last, now) if reached else None,
                completed_at=min(last, now) if done else None,
            )
        )
        for position, page_id in enumerate(items[:reached]):
            started = enrolled_at + timedelta(hours=position)
            finished = done or position < reached - 1
            progress.append(
                ItemProgress(
                    user_id=user_id,
                    page_id=page_id,
                    started_at=started,
                    completed_at=started + timedelta(minutes=12) if finished else None,
                )
            )
    Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
    ItemProgress.objects.bulk_create(progress, batch_size=BATCH)
    say(f"{len(enrolments)} enrolments, {len(progress)} progress rows")

    # The submission page's quiz has no finished attempts: every learner can start one.
    submit_quiz = quizzes_by_course[course_pages[0].pk][0]
    attempts_made = _attempts(
        sizes["attempts"], progress, quizzes_by_course, rng, now, skip=submit_quiz.pk
    )
    say(f"{attempts_made} finished attempts")

    submit_attempts = _open_attempts(submit_quiz, learners, rng, now)
    say(f"{len(submit_attempts)} open attempts for the submission page")

    search_total = _search_entries(sizes["search_items"], text, rng, now)
    say(f"{search_total} search entries")
    return Built(
        sizes=sizes,
        courses=course_pages,
        lessons_by_course=lessons_by_course,
        quizzes_by_course=quizzes_by_course,
        items_by_course=items_by_course,
        learners=learners,
        enrolments=enrolments,
        cohorts=cohorts,
        submit_quiz=submit_quiz,
        submit_attempts=submit_attempts,
        words=text.words,
    )


def _finished_items(attempt: Attempt, plan, rng: random.Random) -> tuple[list, int]:
    items = []
    right = 0
    for position, (question_id, snapshot) in enumerate(plan, start=1):
        keys = snapshot["display"]["choices"]
        answer = rng.choice(keys)
        correct_keys = {c["key"] for c in snapshot["choices"] if c.get("correct")}
        correct = answer in correct_keys
        right += correct
        items.append(
            AttemptQuestion(
                attempt=attempt,
                position=position,
                question_id=question_id,
                snapshot=snapshot,
                answer=answer,
                answered_at=attempt.finished_at,
                score=Decimal(1 if correct else 0),
                max_score=Decimal(1),
                correct=correct,
                feedback=[],
            )
        )
    return items, right


def _attempts(total: int, progress, quizzes_by_course, rng: random.Random, now, skip) -> int:
    """Finished attempts by learners who reached a quiz (one to three each, to `total`)."""
    quizzes = {q.pk: q for qs in quizzes_by_course.values() for q in qs if q.pk != skip}
    plans = {pk: plan_attempt(quiz, rng=rng) for pk, quiz in quizzes.items()}
    reached = [(p.user_id, p.page_id) for p in progress if p.page_id in quizzes]
    rng.shuffle(reached)
    made = 0
    numbers: dict[tuple[int, int], int] = defaultdict(int)
    pending: list[Attempt] = []
    plan_of: list[list] = []

    def flush():
        created = Attempt.objects.bulk_create(pending, batch_size=BATCH)
        items = []
        for attempt, plan in zip(created, plan_of, strict=True):
            new_items, right = _finished_items(attempt, plan, rng)
            items += new_items
            attempt.score = Decimal(right)
            attempt.max_score = Decimal(len(plan))
            attempt.percent = Decimal(round(100 * right / len(plan), 1))
            attempt.passed = attempt.percent >= attempt.pass_mark
        AttemptQuestion.objects.bulk_create(items, batch_size=BATCH)
        Attempt.objects.bulk_update(
            created, ["score", "max_score", "percent", "passed"], batch_size=BATCH
        )
        pending.clear()
        plan_of.clear()

    rounds = 0
    while made < total and reached and rounds < 3:
        for user_id, quiz_id in reached:
            if made >= total:
                break
            numbers[(user_id, quiz_id)] += 1
            started = now - timedelta(days=rng.randrange(1, 50), minutes=rng.randrange(600))
            pending.append(
                Attempt(
                    user_id=user_id,
                    quiz_id=quiz_id,
                    number=numbers[(user_id, quiz_id)],
                    state=AttemptState.FINISHED,
                    started_at=started,
                    last_saved_at=started + timedelta(minutes=8),
                    finished_at=started + timedelta(minutes=9),
                    finish_reason=FinishReason.SUBMITTED,
                    released_at=started + timedelta(minutes=9),
                    pass_mark=70,
                )
            )
            plan_of.append(plans[quiz_id])
            made += 1
            if len(pending) >= BATCH:
                flush()
        rounds += 1
    if pending:
        flush()
    return made


def _open_attempts(quiz: QuizPage, learners, rng: random.Random, now) -> list[Attempt]:
    """One open attempt each for learners who never tried this quiz: the submission pool."""
    tried = set(Attempt.objects.filter(quiz=quiz).values_list("user_id", flat=True))
    untried = [u for u in learners if u.pk not in tried]
    pool = untried[-min(SUBMIT_POOL, len(learners) // 2) :]  # the rest browse the pages
    plan = plan_attempt(quiz, rng=rng)
    created = Attempt.objects.bulk_create(
        [
            Attempt(
                user=user,
                quiz=quiz,
                number=1,
                started_at=now - timedelta(minutes=5),
                pass_mark=quiz.pass_mark,
            )
            for user in pool
        ],
        batch_size=BATCH,
    )
    AttemptQuestion.objects.bulk_create(
        [
            AttemptQuestion(attempt=a, position=p, question_id=q, snapshot=s)
            for a in created
            for p, (q, s) in enumerate(plan, start=1)
        ],
        batch_size=BATCH,
    )
    return created


def _search_entries(total: int, text: Text, rng: random.Random, now) -> int:
    """The real entries (rebuilt from the new pages), then synthetic ones up to `total`."""
    rebuild_all()
    real = list(GuidanceEntry.objects.filter(kind__in=[EntryKind.LESSON, EntryKind.MODULE]))
    missing = total - GuidanceEntry.objects.count()
    languages = ["en"] * 7 + ["fr"] * 2 + ["es"]
    if missing > 0 and real:
        GuidanceEntry.objects.bulk_create(
            [
                GuidanceEntry(
                    key=f"bench.synthetic:{n + 1}",
                    kind=base.kind,
                    title=text.title(5),
                    body=" ".join(text.paragraph() for _ in range(3)),
                    url=base.url,
                    language=rng.choice(languages),
                    trail=base.trail,
                    tags=base.tags,
                    facets=base.facets,
                    published_at=now - timedelta(days=rng.randrange(1, 900)),
                )
                for n, base in zip(range(missing), itertools.cycle(real), strict=False)
            ],
            batch_size=1_000,
        )
        get_engine().rebuild(GuidanceEntry.objects.order_by("pk"))
    return GuidanceEntry.objects.count()


def rebuilt_from_database() -> Built:
    """What `build` returned, read back from a database it built: for writing a fresh
    manifest (new sessions, the open attempts not submitted yet) without rebuilding."""
    courses = list(CoursePage.objects.filter(slug__startswith="bench-course-").order_by("pk"))
    if not courses:
        raise ValueError("No benchmark data in this database: run bench_data first.")
    from courses.selectors import outlines_for

    outlines = outlines_for([c.pk for c in courses])
    lessons = LessonPage.objects.in_bulk([i.id for o in outlines.values() for i in o.items])
    quizzes = QuizPage.objects.in_bulk([i.id for o in outlines.values() for i in o.items])
    items_by_course = {cid: [i.id for i in o.items] for cid, o in outlines.items()}
    lessons_by_course = {
        cid: [lessons[i] for i in ids if i in lessons] for cid, ids in items_by_course.items()
    }
    quizzes_by_course = {
        cid: [quizzes[i] for i in ids if i in quizzes] for cid, ids in items_by_course.items()
    }
    learners = list(User.objects.filter(email__startswith="bench-learner-").order_by("pk"))
    submit_quiz = quizzes_by_course[courses[0].pk][0]
    return Built(
        sizes={},
        courses=courses,
        lessons_by_course=lessons_by_course,
        quizzes_by_course=quizzes_by_course,
        items_by_course=items_by_course,
        learners=learners,
        enrolments=list(Enrolment.objects.filter(user__in=learners)),
        cohorts=list(Cohort.objects.filter(name__startswith="Bench cohort ").order_by("pk")),
        submit_quiz=submit_quiz,
        submit_attempts=list(
            Attempt.objects.filter(quiz=submit_quiz, state=AttemptState.IN_PROGRESS).order_by("pk")
        ),
        words=Text(random.Random(SEED)).words,  # noqa: S311 - synthetic data, not security
    )


def sizes_of(built: Built) -> dict[str, int]:
    """What was actually built (may differ from the request where capacity ran out)."""
    return {
        **built.sizes,
        "progress_rows": ItemProgress.objects.count(),
        "attempts_rows": Attempt.objects.count(),
        "search_rows": GuidanceEntry.objects.count(),
        "users": User.objects.count(),
    }


def new_csrf_secret() -> str:
    return secrets.token_hex(16)  # 32 characters, the length of Django's CSRF secret


__all__ = ["DEFAULT_SIZES", "Built", "asdict", "build", "scaled_sizes", "sizes_of"]
