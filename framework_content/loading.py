"""Load the reference data file into the knowledge base. Idempotent: a second run with the
same file changes nothing (no new rows, no new page revisions)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from wagtail.models import Locale, Page, Site

from .choices import DocumentType, ElementKind, FactStatus, MappingRole
from .models import (
    DomainElementLink,
    FrameworkElementPage,
    FrameworkPage,
    Indicator,
    IndicatorDomain,
    IndicatorFramework,
    IndicatorIndexPage,
    KeyDocument,
    LibraryPage,
    ResponseLevel,
)

DATA_FILE = Path(__file__).resolve().parent / "data" / "migration_governance.yaml"


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    def count(self, kind: str, created: bool, changed: bool) -> None:
        if created:
            self.created[kind] += 1
        elif changed:
            self.updated[kind] += 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def read_reference(path: Path = DATA_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def status_of(value: str | None) -> str:
    """Map the reference file's status vocabulary onto ours; anything unknown is unconfirmed."""
    if not value:
        return FactStatus.CONFIRMED
    value = str(value).split(",")[0].strip().lower()
    if value.startswith("editorial"):
        return FactStatus.EDITORIAL
    if value in FactStatus.values:
        return value
    if value.startswith("confirmed"):
        return FactStatus.PARTIALLY_CONFIRMED
    return FactStatus.UNCONFIRMED


# --- helpers --------------------------------------------------------------------------------


def _upsert(model, report: LoadReport, kind: str, lookup: dict, values: dict):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.count(kind, created=True, changed=True)
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
    report.count(kind, created=False, changed=bool(changed))
    return obj


def _upsert_page(parent: Page, model, report: LoadReport, kind: str, lookup: dict, values: dict):
    """Create a child page, or update an existing one and publish only if something changed."""
    page = model.objects.child_of(parent).filter(**lookup).first()
    if page is None:
        page = model(**lookup, **values)
        parent.add_child(instance=page)
        page.save_revision().publish()
        report.count(kind, created=True, changed=True)
        return page
    changed = []
    for key, value in values.items():
        current = getattr(page, key)
        if hasattr(current, "stream_data") or hasattr(current, "raw_data"):
            same = _stream_raw(current) == _stream_raw_value(value)
        else:
            same = current == value
        if not same:
            setattr(page, key, value)
            changed.append(key)
    if changed:
        page.save_revision().publish()
    report.count(kind, created=False, changed=bool(changed))
    return page


def _stream_raw(stream) -> list:
    return [(b["type"], b["value"]) for b in stream.raw_data]


def _stream_raw_value(value) -> list:
    return [(t, v) for t, v in value]


def _paragraph(text: str) -> str:
    return f"<p>{text}</p>"


def slugify_ref(ref_id: str) -> str:
    """A URL-safe key from a reference id: 'EIU16-1.1' -> 'eiu16-1-1'."""
    return re.sub(r"[^a-z0-9]+", "-", ref_id.lower()).strip("-")


# --- the site skeleton ----------------------------------------------------------------------


def ensure_locales() -> None:
    from django.conf import settings

    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


def ensure_home(report: LoadReport):
    """The site's root is our HomePage; Wagtail's placeholder welcome page is replaced."""
    from training_site.models import HomePage

    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(
            title="MIGOF Academy",
            slug="home",
            lead=(
                "Learn IOM's Migration Governance Framework, the indicators that measure "
                "well-managed migration policy, and the documents behind them."
            ),
        )
        placeholder = Page.objects.filter(depth=2, slug="home").exclude(
            content_type__model="homepage"
        )
        for page in placeholder:
            page.slug = f"home-placeholder-{page.pk}"
            page.save()
        root.add_child(instance=home)
        home.save_revision().publish()
        report.count("home page", created=True, changed=True)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = "MIGOF Academy"
        site.save()
    # Remove Wagtail's placeholder welcome page, once nothing points at it.
    Page.objects.filter(
        depth=2, content_type__model="page", content_type__app_label="wagtailcore"
    ).exclude(pk__in=Site.objects.values("root_page")).delete()
    return home


# --- MIGOF ----------------------------------------------------------------------------------


def load_migof(data: dict, home, report: LoadReport) -> dict[str, FrameworkElementPage]:
    migof = data["migof"]
    adoption = migof["adoption"]
    intro = "".join(
        [
            _paragraph(migof["descriptor"]),
            _paragraph(
                f"It was welcomed by the IOM Council at its 106th Session in November 2015 "
                f"(resolution {adoption['resolution'].split(' ')[0]}), and "
                f"{adoption['countries_welcoming']} countries welcomed it. It is the "
                "conceptual framework of SDG indicator 10.7.2."
            ),
        ]
    )
    overview = _upsert_page(
        home,
        FrameworkPage,
        report,
        "MIGOF overview",
        {"slug": "migof"},
        {
            "title": f"{migof['official_name']} (MIGOF)",
            "subtitle": migof["subtitle"],
            "intro": intro,
        },
    )
    elements: dict[str, FrameworkElementPage] = {}
    groups = [
        (ElementKind.PRINCIPLE, migof["principles"]),
        (ElementKind.OBJECTIVE, migof["objectives"]),
    ]
    for kind, items in groups:
        for item in items:
            code = item["id"].split("-")[1]
            body = []
            if item.get("alt_short_title"):
                body.append(
                    (
                        "paragraph",
                        _paragraph(
                            "IOM's MIGOF brochure words this element as "
                            f"“{item['alt_short_title']}”."
                        ),
                    )
                )
            elements[item["id"]] = _upsert_page(
                overview,
                FrameworkElementPage,
                report,
                "MIGOF element",
                {"code": code},
                {
                    "title": item["short_title"],
                    "slug": code.lower(),
                    "kind": kind,
                    "council_wording": item.get("council_wording", ""),
                    "summary": item["descriptor"],
                    "status": status_of(item.get("status")),
                    "body": body,
                },
            )
    return elements


# --- indicator frameworks -------------------------------------------------------------------


def _framework(report, ref_id, values) -> IndicatorFramework:
    return _upsert(IndicatorFramework, report, "framework", {"ref_id": ref_id}, values)


def _domain(report, framework, ref_id, values) -> IndicatorDomain:
    return _upsert(
        IndicatorDomain, report, "domain", {"ref_id": ref_id}, {"framework": framework, **values}
    )


def _indicator(report, domain, ref_id, values) -> Indicator:
    values = {"domain": domain, "slug": slugify_ref(ref_id), **values}
    return _upsert(Indicator, report, "indicator", {"ref_id": ref_id}, values)


def _link(report, domain, element, role=MappingRole.PRIMARY, note=""):
    _upsert(
        DomainElementLink,
        report,
        "crosswalk link",
        {"domain": domain, "element": element},
        {"role": role, "note": note},
    )


def load_eiu2016(data, elements, report) -> IndicatorFramework:
    eiu = data["eiu_migration_governance_index_2016"]
    framework = _framework(
        report,
        eiu["id"],
        {
            "slug": "mgi-2016",
            "title": eiu["official_title"],
            "short_title": "MGI 2016 (EIU)",
            "owner": f"{eiu['author']}, commissioned by {eiu['commissioned_and_funded_by']}",
            "description": eiu["descriptor"],
            "domain_label": "Domain",
            "sort_order": 1,
            "status": status_of(eiu["status"]),
            "status_note": "",
        },
    )
    crosswalk = {
        row["eiu"]: row["migof"]
        for row in data["crosswalks"]["eiu2016_domains_to_migof"]["rows"]
        if row["eiu"]
    }
    for d in eiu["domains"]:
        block = d["indicators"]
        domain = _domain(
            report,
            framework,
            d["id"],
            {
                "code": str(d["order"]),
                "title": d["title"],
                "short_label": "",
                "description": "",
                "sort_order": d["order"],
                "status": status_of(d.get("status")),
                "status_note": "",
                "mapping_status": FactStatus.EDITORIAL,
                "mapping_note": "Editorial, approximate: the platform's own reading.",
            },
        )
        note = block.get("support_note", "") or (
            "Indicator names come from a 2016 presentation; the report's analytical framework "
            "(Annex II) has not been verified."
        )
        for order, item in enumerate(block["items"], start=1):
            _indicator(
                report,
                domain,
                item["id"],
                {
                    "code": item["id"].split("-", 1)[1],
                    "title": item["title"],
                    "description": "",
                    "sort_order": order,
                    "status": status_of(block.get("status")),
                    "status_note": note,
                },
            )
        if d["id"] in crosswalk:
            _link(report, domain, elements[crosswalk[d["id"]]])
    return framework


def load_sdg_1072(data, elements, report) -> IndicatorFramework:
    target = data["sdg_target_10_7"]
    method = data["sdg_10_7_2_methodology"]
    indicator = next(i for i in target["indicators"] if i["id"] == "SDG-10.7.2")
    framework = _framework(
        report,
        "SDG-10.7.2",
        {
            "slug": "sdg-10-7-2",
            "title": f"SDG indicator 10.7.2: {indicator['official_name']}",
            "short_title": "SDG 10.7.2",
            "owner": "Custodians: " + ", ".join(indicator["custodians"]),
            "description": (
                f"{indicator['descriptor']} Data source: {method['data_source']}. "
                f"Each of the six domains has {method['structure']['subcategories_per_domain']} "
                f"subcategories; a domain's value is the sum of its subcategory values divided "
                f"by {method['structure']['subcategories_per_domain']}, times 100."
            ),
            "domain_label": "Domain",
            "sort_order": 2,
            "status": status_of(indicator["status"]),
            "status_note": (
                "The names of the 30 subcategories and the cut-offs between answer categories "
                "have not been verified in the sources, so they are not shown."
            ),
        },
    )
    for level in method["response_categories"]:
        _upsert(
            ResponseLevel,
            report,
            "answer level",
            {"framework": framework, "value": level["code"]},
            {"label": level["label"], "sort_order": level["code"]},
        )
    basis = data["crosswalks"]["sdg_1072_and_mgi_domains_to_migof"]["basis"]
    for d in method["domains"]:
        domain = _domain(
            report,
            framework,
            d["id"],
            {
                "code": str(d["order"]),
                "title": d["title"],
                "short_label": "",
                "description": d["descriptor"],
                "sort_order": d["order"],
                "status": status_of(d.get("status")),
                "status_note": "",
                "mapping_status": FactStatus.PARTIALLY_CONFIRMED,
                "mapping_note": basis,
            },
        )
        _indicator(
            report,
            domain,
            f"{d['id']}-VALUE",
            {
                "code": d["un_code"],
                "title": f"{d['title']}: domain value",
                "description": (
                    f"The domain's value in the UN SDG database series "
                    f"{method['un_database_series_code']} (breakdown {d['un_code']})."
                ),
                "sort_order": 1,
                "status": FactStatus.CONFIRMED,
                "status_note": "",
            },
        )
        _link(report, domain, elements[d["migof_link"]])
    return framework


def load_mgi(data, elements, report) -> IndicatorFramework:
    mgi = data["iom_mgi"]
    framework = _framework(
        report,
        mgi["id"],
        {
            "slug": "mgi",
            "title": mgi["official_name"],
            "short_title": "MGI (IOM)",
            "owner": mgi["owner"],
            "description": f"{mgi['descriptor']} About 90 indicators in all.",
            "domain_label": "Dimension",
            "sort_order": 3,
            "status": status_of(mgi["status"]),
            "status_note": (
                "Only the sub-areas of the first three dimensions have been verified; the "
                "others are not listed until they are."
            ),
        },
    )
    basis = data["crosswalks"]["sdg_1072_and_mgi_domains_to_migof"]["basis"]
    for d in mgi["domains"]:
        sub = d.get("sub_areas") or {}
        title_status = d.get("title_status", "confirmed")
        variants = d.get("title_variants") or []
        domain = _domain(
            report,
            framework,
            d["id"],
            {
                "code": str(d["order"]),
                "title": d["title"],
                "short_label": "",
                "description": "",
                "sort_order": d["order"],
                "status": status_of(title_status),
                "status_note": "; ".join(variants),
                "mapping_status": FactStatus.PARTIALLY_CONFIRMED,
                "mapping_note": basis,
            },
        )
        if status_of(sub.get("status")) == FactStatus.CONFIRMED:
            for order, title in enumerate(sub.get("items", []), start=1):
                _indicator(
                    report,
                    domain,
                    f"{d['id']}-S{order:02d}",
                    {
                        "code": "",
                        "title": title,
                        "description": "",
                        "sort_order": order,
                        "status": FactStatus.CONFIRMED,
                        "status_note": "",
                    },
                )
        _link(report, domain, elements[d["migof_link"]])
    return framework


def load_sdg_target(data, report) -> IndicatorFramework:
    target = data["sdg_target_10_7"]
    framework = _framework(
        report,
        target["id"],
        {
            "slug": "sdg-10-7",
            "title": "SDG target 10.7 and its indicators",
            "short_title": "SDG target 10.7",
            "owner": "United Nations (2030 Agenda for Sustainable Development)",
            "description": f"{target['goal']}. Target 10.7: “{target['target_text']}”.",
            "domain_label": "Target",
            "sort_order": 4,
            "status": status_of(target["status"]),
            "status_note": "",
        },
    )
    domain = _domain(
        report,
        framework,
        "SDG-10.7-TARGET",
        {
            "code": "10.7",
            "title": "Target 10.7",
            "short_label": "",
            "description": target["target_text"],
            "sort_order": 1,
            "status": status_of(target["status"]),
            "status_note": target.get("related_target_note", ""),
            "mapping_status": FactStatus.CONFIRMED,
            "mapping_note": "",
        },
    )
    for order, item in enumerate(target["indicators"], start=1):
        if status_of(item.get("status")) == FactStatus.UNCONFIRMED or not item.get("official_name"):
            continue  # e.g. 10.7.5 / 10.7.6: not found in any source, so not shown
        _indicator(
            report,
            domain,
            item["id"],
            {
                "code": item["id"].removeprefix("SDG-"),
                "title": item["official_name"],
                "description": item.get("descriptor", ""),
                "sort_order": order,
                "status": status_of(item.get("status")),
                "status_note": "Custodians: " + ", ".join(item.get("custodians", [])),
            },
        )
    return framework


def load_gcm(data, elements, report) -> IndicatorFramework:
    gcm = data["gcm"]
    doc = next(d for d in data["documents"] if d["id"] == "DOC-GCM")
    principles = ", ".join(p["title"] for p in gcm["guiding_principles"])
    framework = _framework(
        report,
        "GCM",
        {
            "slug": "gcm",
            "title": doc["title"],
            "short_title": "GCM",
            "owner": "United Nations General Assembly (A/RES/73/195)",
            "description": (
                f"A {doc['legal_nature']}, with 23 objectives. Its guiding principles: "
                f"{principles}."
            ),
            "domain_label": "Objective",
            "sort_order": 5,
            "status": status_of(doc["status"]),
            "status_note": "",
        },
    )
    mapping = data["crosswalks"]["gcm_objectives_to_migof"]
    rows = {row["gcm"]: row for row in mapping["rows"]}
    for item in gcm["objectives"]:
        row = rows.get(item["id"], {})
        domain = _domain(
            report,
            framework,
            item["id"],
            {
                "code": str(item["number"]),
                "title": item["title"],
                "short_label": item.get("short_label", ""),
                "description": f"Paragraph {item['para']} of the Global Compact.",
                "sort_order": item["number"],
                "status": status_of(item.get("status")),
                "status_note": "",
                "mapping_status": FactStatus.EDITORIAL,
                "mapping_note": mapping["method"],
            },
        )
        if row.get("primary"):
            _link(
                report,
                domain,
                elements[row["primary"]],
                MappingRole.PRIMARY,
                row.get("note", "") or "",
            )
        if row.get("secondary"):
            _link(
                report,
                domain,
                elements[row["secondary"]],
                MappingRole.SECONDARY,
                row.get("note", "") or "",
            )
    return framework


# --- key documents --------------------------------------------------------------------------

# What the reference file says of each document, put in the platform's own words. Types and
# issuing bodies follow from each document's symbol and its "type" in the reference file.
DOCUMENT_EXTRAS: dict[str, dict[str, Any]] = {
    "DOC-IOM-C106-RES1310": {
        "doc_type": DocumentType.RESOLUTION,
        "issuing_body": "IOM Council",
        "year": 2015,
        "description": (
            "The IOM Council resolution, adopted at the Council's 106th Session in November "
            "2015, that welcomed the Migration Governance Framework. It is the basis of SDG "
            "indicator 10.7.2."
        ),
        "order": 1,
    },
    "DOC-UNGA-70-1": {
        "doc_type": DocumentType.RESOLUTION,
        "issuing_body": "United Nations General Assembly",
        "year": 2015,
        "description": (
            "The General Assembly resolution that set the Sustainable Development Goals, "
            "including target 10.7 on orderly, safe, regular and responsible migration and its "
            "indicators (10.7.1 to 10.7.4 as the framework now stands)."
        ),
        "order": 2,
    },
    "DOC-A-70-59": {
        "doc_type": DocumentType.REPORT,
        "issuing_body": "United Nations Secretary-General",
        "year": 2016,
        "order": 3,
    },
    "DOC-A-RES-70-302": {
        "doc_type": DocumentType.RESOLUTION,
        "issuing_body": "United Nations General Assembly",
        "year": 2016,
        "order": 4,
    },
    "DOC-NYD": {
        "doc_type": DocumentType.DECLARATION,
        "issuing_body": "United Nations General Assembly",
        "year": 2016,
        "order": 5,
    },
    "DOC-A-RES-71-280": {
        "doc_type": DocumentType.RESOLUTION,
        "issuing_body": "United Nations General Assembly",
        "year": 2017,
        "order": 6,
    },
    "DOC-A-72-643": {
        "doc_type": DocumentType.REPORT,
        "issuing_body": "United Nations Secretary-General",
        "year": 2017,
        "order": 7,
    },
    "DOC-GCM": {
        "doc_type": DocumentType.AGREEMENT,
        "issuing_body": "United Nations General Assembly",
        "year": 2018,
        "order": 8,
    },
}


def _document_date(doc: dict) -> str:
    for key in ("date", "adopted", "endorsed_by_ga"):
        if doc.get(key):
            return str(doc[key])
    return ""


def load_documents(data, report) -> list[KeyDocument]:
    documents = []
    for doc in data["documents"]:
        extra = DOCUMENT_EXTRAS.get(doc["id"], {})
        description = extra.get("description") or doc.get("descriptor") or doc["title"]
        key_passage = ""
        status_note = ""
        if doc.get("key_paragraph"):
            kp = doc["key_paragraph"]
            key_passage = f"Paragraph {kp['number']}: {kp['descriptor']}"
        if doc["id"] == "DOC-GCM":
            description = (
                f"The {doc['legal_nature']} adopted at the {doc['adopted_at_conference']} and "
                f"endorsed by the General Assembly on {doc['endorsed_by_ga']}. Its 23 objectives "
                "are listed under Indicators."
            )
            key_passage = f"Structure: {doc['structure']}. Follow-up: {doc['follow_up']}."
        if doc.get("paragraph_91", {}).get("status") == "unconfirmed":
            status_note = (
                "What paragraph 91 says has not been verified, so this platform does not quote it."
            )
        if doc.get("date") and "per seed" in str(doc.get("date")):
            status_note = "The exact day of adoption has not been verified; November 2015 is."
        documents.append(
            _upsert(
                KeyDocument,
                report,
                "key document",
                {"ref_id": doc["id"]},
                {
                    "slug": slugify_ref(doc["symbol"]),
                    "symbol": doc.get("symbol", ""),
                    "title": doc["title"],
                    "doc_type": extra.get("doc_type", DocumentType.OTHER),
                    "date_text": "November 2015"
                    if doc["id"] == "DOC-IOM-C106-RES1310"
                    else _document_date(doc),
                    "year": extra.get("year"),
                    "issuing_body": extra.get("issuing_body", ""),
                    "description": description,
                    "key_passage": key_passage,
                    "status": status_of(doc.get("status")),
                    "status_note": status_note,
                    "sort_order": extra.get("order", 99),
                },
            )
        )
    return documents


def ensure_sections(home, report: LoadReport) -> None:
    _upsert_page(
        home,
        IndicatorIndexPage,
        report,
        "indicators page",
        {"slug": "indicators"},
        {
            "title": "Indicators",
            "show_in_menus": True,
            "intro": _paragraph(
                "The frameworks that measure well-managed migration policy, their domains and "
                "indicators, and how each maps to the MIGOF principles and objectives."
            ),
        },
    )
    _upsert_page(
        home,
        LibraryPage,
        report,
        "library page",
        {"slug": "library"},
        {
            "title": "Library",
            "show_in_menus": True,
            "intro": _paragraph(
                "The resolutions, declarations and reports behind MIGOF and the indicators, "
                "with what each says and how to cite it."
            ),
        },
    )


@transaction.atomic
def load_framework(data: dict[str, Any] | None = None) -> LoadReport:
    data = data if data is not None else read_reference()
    report = LoadReport()
    ensure_locales()
    home = ensure_home(report)
    elements = load_migof(data, home, report)
    overview = FrameworkPage.objects.get(slug="migof")
    if not overview.show_in_menus:
        overview.show_in_menus = True
        overview.save_revision().publish()
    ensure_sections(home, report)
    load_eiu2016(data, elements, report)
    load_sdg_1072(data, elements, report)
    load_mgi(data, elements, report)
    load_sdg_target(data, report)
    load_gcm(data, elements, report)
    load_documents(data, report)
    return report
