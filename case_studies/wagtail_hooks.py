"""Case studies appear on the framework's indicator and element pages (framework_content
calls these hooks; it never imports case_studies)."""

from wagtail import hooks

from . import selectors


@hooks.register("indicator_tagged_content")
def case_studies_for_indicator(indicator):
    return selectors.case_studies_tagged_with_indicator(indicator)


@hooks.register("element_tagged_content")
def case_studies_for_element(element):
    return selectors.case_studies_tagged_with_element(element)
