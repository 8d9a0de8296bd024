"""Editors translate pages with wagtail-localize into French and Spanish."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Locale

from accounts.models import User
from framework_content.models import FrameworkElementPage
from tests.mfa import activate_totp


@pytest.fixture
def editor(db):
    user = User.objects.create_user(email="ed@example.org", password="pw-12345678")
    user.groups.add(Group.objects.get(name="Editors"))
    activate_totp(user)  # staff reach the admin only with two-factor authentication
    return user


@pytest.mark.django_db
def test_french_and_spanish_locales_exist(framework):
    codes = set(Locale.objects.values_list("language_code", flat=True))
    assert {"en", "fr", "es"} <= codes


@pytest.mark.django_db
def test_editor_submits_an_element_page_for_french_translation(framework, client, editor):
    element = FrameworkElementPage.objects.get(code="P1")
    client.force_login(editor)
    url = reverse("wagtail_localize:submit_page_translation", args=[element.pk])
    assert client.get(url).status_code == 200

    french = Locale.objects.get(language_code="fr")
    response = client.post(url, {"locales": [french.pk], "include_subtree": ""})
    assert response.status_code == 302

    translated = FrameworkElementPage.objects.get(
        translation_key=element.translation_key, locale=french
    )
    # Until a translator works on it the French page carries the source text, as a draft
    # copy an editor can see in the admin.
    assert translated.title == element.title
    # Its parents were created in French too, so the tree stays valid.
    assert translated.get_parent().locale == french


@pytest.mark.django_db
def test_trainee_cannot_submit_translations(framework, client):
    trainee = User.objects.create_user(email="tr@example.org", password="pw-12345678")
    trainee.groups.add(Group.objects.get(name="Trainees"))
    element = FrameworkElementPage.objects.get(code="P1")
    client.force_login(trainee)
    url = reverse("wagtail_localize:submit_page_translation", args=[element.pk])
    assert client.get(url).status_code in (302, 403)
