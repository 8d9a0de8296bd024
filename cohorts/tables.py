"""A table as exports see it: what the matrix and the programme reports hand to the CSV and
XLSX writers (cohorts/exports.py). Cells are text or numbers; None is an empty cell."""

from __future__ import annotations

from dataclasses import dataclass, field

Cell = str | int | float | None


@dataclass
class Table:
    title: str  # the XLSX sheet name (at most 31 characters there) and a CSV section heading
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed under the table (e.g. "<5" rule)
