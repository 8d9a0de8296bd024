"""Case studies built in the test database under the elements and indicators that
`load_framework` created (the `framework` fixture)."""

from __future__ import annotations

import itertools

import pytest

from case_studies.choices import Region
from case_studies.models import CaseStudyIndexPage, CaseStudyPage
from framework_content.models import FrameworkElementPage, Indicator, KeyDocument

_serial = itertools.count(1)


def make_case_study(
    index: CaseStudyIndexPage,
    title: str,
    *,
    elements: tuple[str, ...] = ("P1",),
    indicators: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    region: str = Region.EUROPE,
    country: str = "",
    year: int | None = None,
    illustrative: bool = False,
    publish: bool = True,
    **fields,
) -> CaseStudyPage:
    """A case study under `index`, tagged by element code, indicator slug and document slug."""
    page = CaseStudyPage(
        title=title,
        slug=f"case-{next(_serial)}",
        region=region,
        country=country,
        year=year,
        illustrative=illustrative,
        summary=fields.pop("summary", f"Scenario of {title}."),
        context=fields.pop("context", f"<p>Context of {title}.</p>"),
        policy_response=fields.pop("policy_response", f"<p>Response of {title}.</p>"),
        migof_elements=list(FrameworkElementPage.objects.filter(code__in=elements)),
        indicators=list(Indicator.objects.filter(slug__in=indicators)),
        sources=list(KeyDocument.objects.filter(slug__in=sources)),
        live=publish,
        **fields,
    )
    index.add_child(instance=page)
    if publish:
        page.save_revision().publish()
    return page


@pytest.fixture
def case_index(framework) -> CaseStudyIndexPage:
    index = CaseStudyIndexPage(title="Case studies", slug="case-studies", show_in_menus=True)
    framework.add_child(instance=index)
    index.save_revision().publish()
    return index
