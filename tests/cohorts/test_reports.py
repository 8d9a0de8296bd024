"""Programme reports (/trainer/reports/): who is counted, the breakdowns, the small-count
rule on screen and in the chart, the filters, access, and a fixed number of queries."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.choices import EnrolmentSource
from courses.models import Enrolment
from tests.courses.conftest import make_small_course

from .conftest import add_member, make_cohort, make_user

pytestmark = pytest.mark.django_db

URL = "/trainer/reports/"
_serial = itertools.count(1)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def join(cohort, count: int, *, country: str = "", enrolled=None, completed=None) -> list:
    """`count` new trainees in the cohort (enrolled in its course), from `country`."""
    users = [
        make_user(f"learner{next(_serial)}@example.org", country=country) for _ in range(count)
    ]
    for user in users:
        add_member(cohort, user)
    update = {}
    if enrolled is not None:
        update["enrolled_at"] = enrolled
    if completed is not None:
        update["completed_at"] = completed
    if update:
        Enrolment.objects.filter(user__in=users, course=cohort.course).update(**update)
    return users


def self_paced(course, count: int, *, country: str = "", enrolled=None) -> list:
    users = [make_user(f"solo{next(_serial)}@example.org", country=country) for _ in range(count)]
    for user in users:
        Enrolment.objects.create(
            user=user,
            course=course,
            enrolled_at=enrolled or at(2026, 1, 5),
            source=EnrolmentSource.SELF,
        )
    return users


def table(response) -> list[list[str]]:
    """The report table as text: the header, each row, then the Total row. Hidden helper
    text for screen readers is left out (what a sighted reader sees)."""
    soup = BeautifulSoup(response.text, "html.parser")
    found = soup.select_one(".report-table table")
    assert found is not None, "no report table on the page"
    for hidden in found.select(".visually-hidden"):
        hidden.decompose()
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in found.find_all("tr")
    ]


def rows_by_label(response) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table(response)[1:]}


@pytest.fixture
def world(small, trainer, other_trainer):
    """A trainer's cohort in Senegal (6 trainees), another trainer's in Ecuador (7), and 5
    self-paced learners from France in no cohort."""
    mine = make_cohort(small.course, [trainer], name="Dakar 2026", country="SN")
    theirs = make_cohort(
        small.course, [other_trainer], name="Quito 2026", country="EC", region="americas"
    )
    join(mine, 6, country="SN")
    join(theirs, 7, country="EC")
    self_paced(small.course, 5, country="FR")
    return mine, theirs


# --- who is counted -------------------------------------------------------------------------


def test_a_trainer_sees_only_the_trainees_of_their_own_cohorts(world, trainer, client_for):
    response = client_for(trainer).get(URL)
    assert response.status_code == 200
    rows = rows_by_label(response)
    assert rows == {"Senegal": ["6", "<5"], "Total": ["6", "<5"]}
    assert "Ecuador" not in response.text
    assert "France" not in response.text


def test_another_trainer_sees_their_own_and_not_the_first_ones(world, other_trainer, client_for):
    rows = rows_by_label(client_for(other_trainer).get(URL))
    assert rows == {"Ecuador": ["7", "<5"], "Total": ["7", "<5"]}


def test_an_administrator_sees_everything_including_self_paced_learners(
    world, administrator, client_for
):
    client = client_for(administrator)
    by_country = rows_by_label(client.get(URL))
    assert by_country["Ecuador"][0] == "7"
    assert by_country["France"][0] == "5"
    assert by_country["Senegal"][0] == "6"
    assert by_country["Total"][0] == "18"
    by_region = rows_by_label(client.get(URL, {"dimension": "region"}))
    assert by_region["Africa"][0] == "6"
    assert by_region["Americas"][0] == "7"
    assert by_region["Self-paced (no cohort)"][0] == "5"
    assert list(by_region)[-2:] == ["Self-paced (no cohort)", "Total"]


def test_a_learner_in_two_of_a_trainers_cohorts_of_one_course_counts_once(
    small, trainer, client_for
):
    first = make_cohort(small.course, [trainer], name="First", country="SN")
    second = make_cohort(small.course, [trainer], name="Second", country="ML")
    users = join(first, 5, country="")
    for user in users:
        add_member(second, user)
    rows = rows_by_label(client_for(trainer).get(URL))
    # Counted once, under the cohort they joined first (its country, as they gave none).
    assert rows == {"Senegal": ["5", "<5"], "Total": ["5", "<5"]}


def test_country_is_the_profiles_else_the_cohorts_else_not_recorded(small, trainer, client_for):
    kenya = make_cohort(small.course, [trainer], name="Nairobi", country="KE", region="africa")
    nowhere = make_cohort(small.course, [trainer], name="Online", country="", region="europe")
    join(kenya, 5, country="UG")
    join(kenya, 6, country="")
    join(nowhere, 7, country="")
    rows = rows_by_label(client_for(trainer).get(URL))
    assert rows["Uganda"][0] == "5"
    assert rows["Kenya"][0] == "6"
    assert rows["Not recorded"][0] == "7"
    assert list(rows)[-2:] == ["Not recorded", "Total"]


def test_by_course_each_course_by_title(small, course_index, trainer, client_for):
    borders = make_small_course(course_index, "Borders")
    join(make_cohort(small.course, [trainer], name="A"), 5)
    join(make_cohort(borders.course, [trainer], name="B"), 8)
    rows = rows_by_label(client_for(trainer).get(URL, {"dimension": "course"}))
    assert rows == {"Borders": ["8", "<5"], "Evidence": ["5", "<5"], "Total": ["13", "<5"]}


def test_by_migof_element_an_enrolment_counts_under_each_element_of_its_course(
    small, trainer, client_for
):
    # The small course has a module under P2 and one under P3.
    join(make_cohort(small.course, [trainer]), 6, completed=at(2026, 2, 1))
    response = client_for(trainer).get(URL, {"dimension": "element"})
    rows = rows_by_label(response)
    p2 = next(label for label in rows if label.startswith("P2 "))
    p3 = next(label for label in rows if label.startswith("P3 "))
    assert rows[p2] == ["6", "6"]
    assert rows[p3] == ["6", "6"]
    assert rows["Total (each enrolment once)"] == ["6", "6"]
    assert "so the rows add up to more than the total" in response.text


@pytest.fixture
def over_time(small, trainer):
    """6 enrolled in Jan 2026 (5 completed in Jan), 7 in Feb (6 completed in Feb), 8 in Apr
    (5 completed in Apr)."""
    cohort = make_cohort(small.course, [trainer])
    join(cohort, 5, enrolled=at(2026, 1, 10), completed=at(2026, 1, 25))
    join(cohort, 1, enrolled=at(2026, 1, 12))
    join(cohort, 6, enrolled=at(2026, 2, 5), completed=at(2026, 2, 27))
    join(cohort, 1, enrolled=at(2026, 2, 6))
    join(cohort, 5, enrolled=at(2026, 4, 2), completed=at(2026, 4, 20))
    join(cohort, 3, enrolled=at(2026, 4, 3))
    return cohort


@pytest.mark.parametrize(
    ("granularity", "expected"),
    [
        (
            "month",
            {
                "January 2026": ["6", "5"],
                "February 2026": ["7", "6"],
                "April 2026": ["8", "5"],
                "Total": ["21", "16"],
            },
        ),
        ("quarter", {"2026 Q1": ["13", "11"], "2026 Q2": ["8", "5"], "Total": ["21", "16"]}),
        ("year", {"2026": ["21", "16"], "Total": ["21", "16"]}),
    ],
)
def test_by_period_in_months_quarters_or_years(
    over_time, trainer, client_for, granularity, expected
):
    response = client_for(trainer).get(URL, {"dimension": "period", "granularity": granularity})
    assert rows_by_label(response) == expected


def test_dates_count_enrolments_begun_and_completions_made_in_the_period(
    over_time, trainer, client_for
):
    client = client_for(trainer)
    rows = rows_by_label(
        client.get(
            URL,
            {
                "dimension": "period",
                "granularity": "month",
                "date_from": "2026-02-01",
                "date_to": "2026-04-30",
            },
        )
    )
    assert rows == {"February 2026": ["7", "6"], "April 2026": ["8", "5"], "Total": ["15", "11"]}
    # Nobody began in the last days of January, but five completed then.
    response = client.get(URL, {"date_from": "2026-01-20", "date_to": "2026-01-31"})
    assert rows_by_label(response) == {"Senegal": ["<5", "5"], "Total": ["<5", "5"]}
    assert "Enrolments completed in the period, whenever they began." in response.text


def test_filters_by_course_and_cohort(small, course_index, trainer, client_for):
    borders = make_small_course(course_index, "Borders")
    dakar = make_cohort(small.course, [trainer], name="Dakar", country="SN")
    bamako = make_cohort(borders.course, [trainer], name="Bamako", country="ML")
    join(dakar, 5)
    join(bamako, 9)
    client = client_for(trainer)
    assert rows_by_label(client.get(URL, {"course": borders.course.pk}))["Total"][0] == "9"
    assert rows_by_label(client.get(URL, {"cohort": dakar.pk})) == {
        "Senegal": ["5", "<5"],
        "Total": ["5", "<5"],
    }


# --- small counts ---------------------------------------------------------------------------


@pytest.fixture
def small_counts(small, trainer):
    """Senegal 9, Ghana 6, Mali 3: Mali is below 5, and Ghana (the next smallest) must be
    hidden too or Mali's 3 could be worked out from the total of 18."""
    cohort = make_cohort(small.course, [trainer], country="SN")
    join(cohort, 9, country="SN")
    join(cohort, 6, country="GH")
    join(cohort, 3, country="ML")
    return cohort


def test_counts_below_five_are_shown_as_less_than_five_and_cannot_be_worked_out(
    small_counts, trainer, client_for
):
    response = client_for(trainer).get(URL)
    rows = rows_by_label(response)
    assert rows == {
        "Ghana": ["–", "<5"],
        "Mali": ["<5", "<5"],
        "Senegal": ["9", "<5"],
        "Total": ["18", "<5"],
    }
    assert "hidden so that a count below 5 cannot be worked out from the total" in response.text
    cells = [cell for row in table(response) for cell in row]
    assert "3" not in cells and "6" not in cells


def test_the_chart_draws_no_bar_for_a_count_it_does_not_show(small_counts, trainer, client_for):
    soup = BeautifulSoup(client_for(trainer).get(URL).text, "html.parser")
    chart = soup.select_one("svg.report-chart__svg")
    assert chart["role"] == "img"
    assert "Enrolled and completed by country" in chart.title.get_text()
    groups = {group.find("text").get_text(): group for group in chart.find_all("g")}
    assert set(groups) == {"Ghana", "Mali", "Senegal"}
    assert groups["Senegal"].find_all("rect", class_="report-chart__bar--enrolled")
    for label in ("Ghana", "Mali"):
        assert not groups[label].find_all("rect")
    values = [text.get_text() for text in groups["Mali"].find_all("text")]
    assert values == ["Mali", "<5 enrolled", "<5 completed"]
    assert [t.get_text() for t in groups["Ghana"].find_all("text")][1] == "– enrolled"
    # The only bar drawn is the one count shown; its length reveals nothing hidden.
    assert groups["Senegal"].find("rect")["width"] == "78%"


def test_the_page_has_definitions_labelled_filters_and_export_buttons(
    small_counts, trainer, client_for
):
    response = client_for(trainer).get(URL)
    soup = BeautifulSoup(response.text, "html.parser")
    for control in soup.select("form.report-filters select, form.report-filters input"):
        assert soup.find("label", attrs={"for": control["id"]}), control["name"]
    assert soup.select_one(".report-table caption").get_text() == (
        "Enrolled and completed by country"
    )
    assert {th["scope"] for th in soup.select(".report-table th")} == {"col", "row"}
    assert "Every enrolment, still active or since left." in response.text
    export = soup.select_one("form.report-export")
    assert export["method"] == "post"
    assert [b["value"] for b in export.find_all("button")] == ["csv", "xlsx"]
    main = soup.find("main")
    assert not main.select("[style]")
    assert not main.find_all("script")


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"dimension": "salary"}, "is not a breakdown of this report"),
        ({"dimension": "period", "granularity": "fortnight"}, "is not a length of period"),
        ({"date_from": "31/01/2026"}, "is not a date"),
        ({"date_to": "2026-02-30"}, "is not a date"),
        ({"course": "abc"}, "That course is not in your reports"),
        ({"cohort": "999999"}, "That cohort is not one you can report on"),
        (
            {"date_from": "2026-03-01", "date_to": "2026-01-01"},
            "is after the end date (2026-01-01): both dates are ignored",
        ),
    ],
)
def test_bad_filters_are_ignored_with_a_message(small_counts, trainer, client_for, params, notice):
    response = client_for(trainer).get(URL, params)
    assert response.status_code == 200
    assert notice in response.text
    assert rows_by_label(response)["Total"][0] == "18"  # everything, as without the filter


def test_another_trainers_cohort_is_refused_as_a_filter(world, trainer, client_for):
    _mine, theirs = world
    response = client_for(trainer).get(URL, {"cohort": theirs.pk})
    assert "That cohort is not one you can report on" in response.text
    assert "Ecuador" not in response.text
    assert "Quito" not in response.text


def test_an_empty_report_says_so(small, trainer, client_for):
    make_cohort(small.course, [trainer])
    response = client_for(trainer).get(URL)
    assert response.status_code == 200
    assert "No enrolment matches these filters." in response.text


# --- access and cost ------------------------------------------------------------------------


def test_a_trainee_is_refused_and_an_anonymous_visitor_sent_to_log_in(trainee, client_for, client):
    assert client_for(trainee).get(URL).status_code == 403
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("dimension", ["country", "region", "course", "element", "period"])
@pytest.mark.parametrize("who", ["trainer", "administrator"])
def test_the_report_costs_the_same_queries_for_5_or_60_enrolments(
    small, trainer, administrator, client_for, dimension, who
):
    cohort = make_cohort(small.course, [trainer])
    join(cohort, 5, country="SN", completed=at(2026, 2, 1))
    client = client_for(trainer if who == "trainer" else administrator)
    params = {"dimension": dimension}
    client.get(URL, params)  # warm caches shared by every page (site root paths, header)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, params)
        assert response.status_code == 200
        return len(captured)

    few = queries()
    join(cohort, 25, country="GH", enrolled=at(2025, 5, 1))
    join(cohort, 20, country="ML", enrolled=at(2026, 3, 1), completed=at(2026, 3, 9))
    self_paced(small.course, 10, country="FR", enrolled=at(2024, 7, 1))
    many = queries()
    assert many == few
    assert few <= 20
