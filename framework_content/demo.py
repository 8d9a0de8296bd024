"""Demo modules and lessons, one module per MIGOF element (see data/demo_content.yaml).

Idempotent like `load_framework`: a module is found by its slug under its MIGOF element, a
lesson by its slug under its module, and a page is re-published only when something in the
data file differs from what is live. Indicators and key documents are referred to in the
data file by their stable `ref_id`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from wagtail.blocks import StreamValue
from wagtail.models import Page

from .loading import LoadReport, _paragraph, _stream_raw
from .models import FrameworkElementPage, Indicator, KeyDocument, LessonPage, ModulePage

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_content.yaml"


def read_demo(path: Path = DEMO_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


class DemoDataError(ValueError):
    """The data file names an element, indicator or document that does not exist."""


def _rich(text: str | list[str]) -> str:
    """Rich text from the data file: one paragraph, a list of paragraphs, or ready HTML."""
    items = text if isinstance(text, list) else [text]
    return "".join(
        t.strip() if t.lstrip().startswith("<") else _paragraph(t.strip()) for t in items
    )


class _Refs:
    """Looks up indicators and key documents by `ref_id`, failing loudly on a typo."""

    def __init__(self) -> None:
        self.indicators = {i.ref_id: i for i in Indicator.objects.all()}
        self.documents = dict(KeyDocument.objects.values_list("ref_id", "pk"))

    def indicator(self, ref_id: str) -> Indicator:
        try:
            return self.indicators[ref_id]
        except KeyError:
            raise DemoDataError(
                f"Unknown indicator ref_id {ref_id!r}; run load_framework first."
            ) from None

    def document(self, ref_id: str) -> int:
        try:
            return self.documents[ref_id]
        except KeyError:
            raise DemoDataError(
                f"Unknown key document ref_id {ref_id!r}; run load_framework first."
            ) from None


def _block(item: dict[str, Any], refs: _Refs) -> dict[str, Any]:
    """One body block from the data file, in the raw JSON form the StreamField stores.

    Snippet choosers hold the snippet's pk, and every struct value carries all its keys, so
    the result compares equal to what a previous run stored.
    """
    ((kind, value),) = item.items()
    if kind == "heading":
        raw: Any = value
    elif kind == "paragraph":
        raw = _rich(value)
    elif kind == "key_point":
        raw = {"title": value.get("title", ""), "text": _rich(value["text"])}
    elif kind == "quote":
        raw = {
            "quote": value["quote"].strip(),
            "document": refs.document(value["document"]),
            "location": value.get("location", ""),
        }
    elif kind == "reflection":
        raw = {"prompt": value.strip()}
    elif kind == "indicator_reference":
        raw = {
            "indicator": refs.indicator(value["indicator"]).pk,
            "note": value.get("note", "").strip(),
        }
    else:
        raise DemoDataError(f"Unsupported block type in demo data: {kind!r}")
    return {"type": kind, "value": raw}


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(current, StreamValue):
        return _stream_raw(current) == [(b["type"], b["value"]) for b in wanted]
    return current == wanted


def _upsert_tagged_page(
    parent: Page,
    model: type[ModulePage] | type[LessonPage],
    report: LoadReport,
    kind: str,
    slug: str,
    values: dict[str, Any],
    indicators: list[Indicator],
):
    """Like `loading._upsert_page`, for pages with indicator tags and StreamFields given raw.

    Stream values are lists of raw blocks ({"type", "value"}) and are compared with what is
    stored; the tags (a ParentalManyToManyField) are compared as sets. Whatever changed goes
    into one new revision; if nothing changed, nothing is saved.
    """
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, **values, indicators=indicators)
        parent.add_child(instance=page)
        page.save_revision().publish()
        report.count(kind, created=True, changed=True)
        return page
    changed = [key for key, value in values.items() if not _same(getattr(page, key), value)]
    for key in changed:
        setattr(page, key, values[key])
    tags_changed = set(page.indicators.values_list("pk", flat=True)) != {i.pk for i in indicators}
    if tags_changed:
        page.indicators = indicators
    if changed or tags_changed:
        page.save_revision().publish()
    report.count(kind, created=False, changed=bool(changed or tags_changed))
    return page


@transaction.atomic
def load_demo_content(data: dict[str, Any] | None = None) -> LoadReport:
    data = data if data is not None else read_demo()
    report = LoadReport()
    refs = _Refs()
    elements = {e.code: e for e in FrameworkElementPage.objects.all()}
    for module_data in data["modules"]:
        code = module_data["element"]
        if code not in elements:
            raise DemoDataError(f"Unknown MIGOF element {code!r}; run load_framework first.")
        module = _upsert_tagged_page(
            elements[code],
            ModulePage,
            report,
            "module",
            module_data["slug"],
            {
                "title": module_data["title"],
                "summary": module_data["summary"].strip(),
                "learning_outcomes": [
                    {"type": "outcome", "value": o} for o in module_data["learning_outcomes"]
                ],
                "estimated_minutes": module_data["estimated_minutes"],
            },
            [refs.indicator(r) for r in module_data["indicators"]],
        )
        for lesson_data in module_data["lessons"]:
            _upsert_tagged_page(
                module,
                LessonPage,
                report,
                "lesson",
                lesson_data["slug"],
                {
                    "title": lesson_data["title"],
                    "summary": lesson_data["summary"].strip(),
                    "estimated_minutes": lesson_data["estimated_minutes"],
                    "body": [_block(item, refs) for item in lesson_data["body"]],
                },
                [refs.indicator(r) for r in lesson_data["indicators"]],
            )
    return report
