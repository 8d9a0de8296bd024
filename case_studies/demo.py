"""Demo case studies, at least one per MIGOF element (see data/demo_case_studies.yaml).

Idempotent like `framework_content.demo`: the index is found under the home page, a case
study by its slug under the index, and a page is re-published only when something in the
data file differs from what is stored. Elements are named by code, indicators and key
documents by their slug (as in their addresses on the site).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.html import escape
from wagtail.models import Locale, Page, Site

from framework_content.loading import LoadReport
from framework_content.models import FrameworkElementPage, Indicator, KeyDocument

from .models import CaseStudyIndexPage, CaseStudyPage

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_case_studies.yaml"


class DemoDataError(ValueError):
    """The data file names an element, indicator or document that does not exist."""


def read_demo(path: Path = DEMO_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def rich_text(items: list[Any] | None) -> str:
    """Rich text from the data file: a string is a paragraph, {bullets: [...]} a list."""
    html = []
    for item in items or []:
        if isinstance(item, dict):
            bullets = "".join(f"<li>{escape(b.strip())}</li>" for b in item["bullets"])
            html.append(f"<ul>{bullets}</ul>")
        else:
            html.append(f"<p>{escape(item.strip())}</p>")
    return "".join(html)


def citations(items: list[dict[str, str]] | None) -> str:
    """Other sources as a bulleted list of (linked) citations."""
    lines = []
    for item in items or []:
        text = escape(item["text"].strip())
        url = item.get("url")
        lines.append(f'<li><a href="{escape(url)}">{text}</a></li>' if url else f"<li>{text}</li>")
    return f"<ul>{''.join(lines)}</ul>" if lines else ""


class _Tags:
    """Looks up elements, indicators and documents, failing loudly on a typo."""

    def __init__(self) -> None:
        self.elements = {
            e.code: e for e in FrameworkElementPage.objects.filter(locale=Locale.get_default())
        }
        self.indicators = {i.slug: i for i in Indicator.objects.all()}
        self.documents = {d.slug: d for d in KeyDocument.objects.all()}

    @staticmethod
    def _pick(table: dict, keys: list[str], what: str) -> list:
        missing = [k for k in keys if k not in table]
        if missing:
            raise DemoDataError(f"Unknown {what} {missing}; run load_framework first.")
        return [table[k] for k in keys]

    def of(self, spec: dict[str, Any]) -> dict[str, list]:
        return {
            "migof_elements": self._pick(self.elements, spec["elements"], "MIGOF element"),
            "indicators": self._pick(self.indicators, spec.get("indicators", []), "indicator"),
            "sources": self._pick(self.documents, spec.get("sources", []), "key document"),
        }


def _ensure_index(home: Page, spec: dict[str, Any], report: LoadReport) -> CaseStudyIndexPage:
    index = CaseStudyIndexPage.objects.child_of(home).first()
    if index is not None:
        return index
    index = CaseStudyIndexPage(
        title=spec["title"],
        slug=spec["slug"],
        intro=rich_text([spec["intro"]]),
        show_in_menus=True,
    )
    home.add_child(instance=index)
    index.save_revision().publish()
    # In the menu right after Courses, where there is a course catalogue.
    courses = Page.objects.child_of(home).filter(content_type__model="courseindexpage").first()
    if courses is not None:
        index.move(courses, pos="right")
    report.count("case study index", created=True, changed=True)
    return index


def _values(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": spec["title"],
        "illustrative": bool(spec.get("illustrative", False)),
        "country": spec.get("country") or "",
        "region": spec["region"],
        "year": spec.get("year"),
        "summary": " ".join(spec["summary"].split()),
        "context": rich_text(spec["context"]),
        "policy_response": rich_text(spec["policy_response"]),
        "results": rich_text(spec.get("results")),
        "lessons_learned": rich_text(spec.get("lessons_learned")),
        "other_sources": citations(spec.get("other_sources")),
    }


def _upsert_case_study(
    index: CaseStudyIndexPage, spec: dict[str, Any], tags: dict[str, list], report: LoadReport
) -> CaseStudyPage:
    values = _values(spec)
    page = CaseStudyPage.objects.child_of(index).filter(slug=spec["slug"]).first()
    if page is None:
        page = CaseStudyPage(slug=spec["slug"], **values, **tags)
        index.add_child(instance=page)
        page.save_revision().publish()
        report.count("case study", created=True, changed=True)
        return page
    changed = [key for key, value in values.items() if getattr(page, key) != value]
    for key in changed:
        setattr(page, key, values[key])
    for name, wanted in tags.items():
        if set(getattr(page, name).values_list("pk", flat=True)) != {o.pk for o in wanted}:
            setattr(page, name, wanted)
            changed.append(name)
    if changed:
        page.save_revision().publish()
    report.count("case study", created=False, changed=bool(changed))
    return page


@transaction.atomic
def load_demo_case_studies(data: dict[str, Any] | None = None) -> LoadReport:
    """The "Case studies" index under the home page and the case studies of the data file."""
    data = data if data is not None else read_demo()
    report = LoadReport()
    home = Site.objects.get(is_default_site=True).root_page
    index = _ensure_index(home, data["index"], report)
    tags = _Tags()
    for spec in data["case_studies"]:
        _upsert_case_study(index, spec, tags.of(spec), report)
    return report
