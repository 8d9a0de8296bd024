"""The small-count rule of programme reports (cohorts/suppression.py), table-driven."""

from __future__ import annotations

import pytest

from cohorts.suppression import Shown, ShownCount, shown, suppress


def texts(table) -> tuple[list[list[str]], list[str]]:
    return [[cell.text for cell in row] for row in table.rows], [c.text for c in table.totals]


@pytest.mark.parametrize(
    ("rows", "totals", "expected_rows", "expected_totals"),
    [
        pytest.param(
            [[12, 7], [9, 5]], [21, 12], [["12", "7"], ["9", "5"]], ["21", "12"], id="nothing-small"
        ),
        pytest.param(
            [[4], [5]], [9], [["<5"], ["–"]], ["9"], id="one-small-hides-the-next-smallest"
        ),
        pytest.param(
            [[20], [3], [8], [11]],
            [42],
            [["20"], ["<5"], ["–"], ["11"]],
            ["42"],
            id="next-smallest-is-the-smallest-shown-not-the-next-row",
        ),
        pytest.param(
            [[3], [2], [30]], [35], [["<5"], ["<5"], ["30"]], ["35"], id="two-small-hide-nothing"
        ),
        pytest.param([[0], [10]], [10], [["<5"], ["–"]], ["10"], id="zero-is-a-small-count-too"),
        pytest.param(
            [[9], [1], [9]], [19], [["–"], ["<5"], ["9"]], ["19"], id="a-tie-hides-the-first-row"
        ),
        pytest.param([[4]], [4], [["<5"]], ["<5"], id="a-small-total-is-suppressed"),
        pytest.param([[3], [1]], [4], [["<5"], ["<5"]], ["<5"], id="all-small"),
        pytest.param(
            [[6, 0], [7, 8], [9, 10]],
            [22, 18],
            [["6", "<5"], ["7", "–"], ["9", "10"]],
            ["22", "18"],
            id="columns-are-independent",
        ),
        pytest.param(
            [[5, 4], [5, 4]],
            [10, 8],
            [["5", "<5"], ["5", "<5"]],
            ["10", "8"],
            id="five-is-shown-four-is-not",
        ),
        pytest.param([], [0], [], ["<5"], id="no-rows"),
    ],
)
def test_small_counts_are_suppressed_and_cannot_be_worked_out(
    rows, totals, expected_rows, expected_totals
):
    assert texts(suppress(rows, totals)) == (expected_rows, expected_totals)


@pytest.mark.parametrize(
    ("rows", "totals", "suppressed", "hidden"),
    [
        ([[12], [9]], [21], False, False),
        ([[4], [9]], [13], True, True),
        ([[4], [3], [9]], [16], True, False),
        ([[9]], [3], True, False),  # rows may add up to more than the total (MIGOF elements)
    ],
)
def test_the_table_says_which_notes_it_needs(rows, totals, suppressed, hidden):
    table = suppress(rows, totals)
    assert (table.any_suppressed, table.any_hidden) == (suppressed, hidden)


@pytest.mark.parametrize(
    ("cell", "export_value"),
    [
        (shown(12), 12),
        (shown(5), 5),
        (shown(4), "<5"),
        (shown(0), "<5"),
        (ShownCount(Shown.HIDDEN), "–"),
    ],
)
def test_an_export_gets_a_number_only_when_it_is_shown(cell, export_value):
    assert cell.cell == export_value
    assert (cell.value is not None) == cell.is_shown


def test_a_hidden_or_suppressed_cell_keeps_no_value_to_leak():
    table = suppress([[3], [40]], [43])
    assert [row[0].value for row in table.rows] == [None, None]


def test_rows_must_have_a_count_per_column():
    with pytest.raises(ValueError, match="one count per column"):
        suppress([[1, 2], [3]], [4, 2])
