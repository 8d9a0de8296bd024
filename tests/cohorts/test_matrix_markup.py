"""The matrix body is written in Python (cohorts/templatetags/matrix_tags.py): whatever a
trainee or an editor types is escaped there as the template engine would."""

from __future__ import annotations

import pytest

from .conftest import add_member, make_cohort, make_user

pytestmark = pytest.mark.django_db


def test_names_and_titles_in_the_matrix_are_escaped(client_for, trainer, small):
    cohort = make_cohort(small.course, [trainer])
    add_member(cohort, make_user("x@example.org", '<script>alert("x")</script> & Co'))
    html = client_for(trainer).get(f"/trainer/cohorts/{cohort.pk}/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
