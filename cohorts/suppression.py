"""The small-count rule of programme reports, as a pure function: counts in, what may be
shown out. No ORM, no request.

- Any count below THRESHOLD (0 included) in a breakdown is shown as "<5".
- Differencing: the table has a Total row, so when exactly one cell of a column is
  suppressed, it could be worked out as the total minus the others. The next-smallest
  shown cell of that column is then hidden as well ("–"); two unknown cells cannot be
  told apart from their sum.
- A total is shown only when it is THRESHOLD or more (else "<5").

The same decision is drawn on screen, in the chart (no bar for a cell that is not shown)
and written to CSV and XLSX.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

THRESHOLD = 5
SUPPRESSED_TEXT = f"<{THRESHOLD}"
HIDDEN_TEXT = "–"  # an en dash


class Shown(StrEnum):
    SHOWN = "shown"
    SUPPRESSED = "suppressed"  # below the threshold: "<5"
    HIDDEN = "hidden"  # at or above it, hidden so a suppressed one cannot be worked out


@dataclass(frozen=True)
class ShownCount:
    """One count as it may be published. `value` is None unless it is shown."""

    state: Shown
    value: int | None = None

    @property
    def is_shown(self) -> bool:
        return self.state is Shown.SHOWN

    @property
    def text(self) -> str:
        if self.state is Shown.SUPPRESSED:
            return SUPPRESSED_TEXT
        if self.state is Shown.HIDDEN:
            return HIDDEN_TEXT
        return str(self.value)

    @property
    def cell(self) -> int | str:
        """For an export: the number itself when shown (a number cell), else the text."""
        return self.value if self.is_shown and self.value is not None else self.text


@dataclass(frozen=True)
class SuppressedTable:
    rows: tuple[tuple[ShownCount, ...], ...]
    totals: tuple[ShownCount, ...]

    @property
    def any_suppressed(self) -> bool:
        cells = [cell for row in self.rows for cell in row] + list(self.totals)
        return any(cell.state is Shown.SUPPRESSED for cell in cells)

    @property
    def any_hidden(self) -> bool:
        return any(cell.state is Shown.HIDDEN for row in self.rows for cell in row)


def shown(count: int, *, threshold: int = THRESHOLD) -> ShownCount:
    """A single count on its own (a total): shown from the threshold on."""
    if count < threshold:
        return ShownCount(Shown.SUPPRESSED)
    return ShownCount(Shown.SHOWN, count)


def _column(values: Sequence[int], threshold: int) -> list[ShownCount]:
    cells = [shown(value, threshold=threshold) for value in values]
    suppressed = [i for i, cell in enumerate(cells) if cell.state is Shown.SUPPRESSED]
    if len(suppressed) == 1:
        candidates = [i for i, cell in enumerate(cells) if cell.is_shown]
        if candidates:
            # The smallest shown count; on a tie, the first row (a stable, repeatable choice).
            smallest = min(candidates, key=lambda i: (values[i], i))
            cells[smallest] = ShownCount(Shown.HIDDEN)
    return cells


def suppress(
    rows: Sequence[Sequence[int]], totals: Sequence[int], *, threshold: int = THRESHOLD
) -> SuppressedTable:
    """Apply the rule to a table of counts, one column at a time.

    `rows` are the breakdown's rows (each with one count per column) and `totals` the Total
    row. Every row must have as many counts as `totals`.
    """
    width = len(totals)
    if any(len(row) != width for row in rows):
        raise ValueError("every row needs one count per column of the total")
    columns = [_column([row[c] for row in rows], threshold) for c in range(width)]
    return SuppressedTable(
        rows=tuple(tuple(columns[c][r] for c in range(width)) for r in range(len(rows))),
        totals=tuple(shown(total, threshold=threshold) for total in totals),
    )
