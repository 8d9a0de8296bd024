import pytest


@pytest.fixture
def framework(db):
    """The knowledge base as `load_framework` builds it from the reference file."""
    from framework_content.loading import load_framework

    load_framework()
    from wagtail.models import Site

    return Site.objects.get(is_default_site=True).root_page.specific
