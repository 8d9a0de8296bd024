"""Demo modules and lessons, one module per MIGOF element (see data/demo_content.yaml)."""

from __future__ import annotations

from .loading import LoadReport


def load_demo_content() -> LoadReport:
    return LoadReport()
