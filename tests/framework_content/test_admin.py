"""The knowledge base in the Wagtail admin: snippet listings, search and filters by role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.choices import Role
from accounts.mfa import user_requires_mfa
from accounts.models import User
from framework_content.models import Indicator, IndicatorDomain, IndicatorFramework, KeyDocument
from tests.mfa import activate_totp

pytestmark = pytest.mark.django_db


def url(model, view="list", *args):
    return reverse(f"wagtailsnippets_framework_content_{model._meta.model_name}:{view}", args=args)


def member(email: str, role: Role) -> User:
    user = User.objects.create_user(email=email, password="pw-0123456789")
    user.groups.add(Group.objects.get(name=role.value))
    if user_requires_mfa(user):
        activate_totp(user)  # staff reach the admin only with two-factor authentication
    return user


@pytest.fixture
def editor_client(client, framework):
    client.force_login(member("editor@example.org", Role.EDITORS))
    return client


@pytest.fixture
def trainer_client(client, framework):
    client.force_login(member("trainer@example.org", Role.TRAINERS))
    return client


def rows(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_knowledge_base_menu(editor_client):
    html = rows(editor_client.get(reverse("wagtailadmin_home")))
    assert "Knowledge base" in html
    for model in (IndicatorFramework, IndicatorDomain, Indicator, KeyDocument):
        assert url(model) in html


@pytest.mark.parametrize("model", [IndicatorFramework, IndicatorDomain, Indicator, KeyDocument])
def test_editor_lists_each_snippet(editor_client, model):
    response = editor_client.get(url(model), {"p": 1})
    html = rows(response)
    assert response.context["paginator"].count == model.objects.count()
    assert model.objects.count() > 0
    first = model.objects.first()
    assert url(model, "edit", first.pk) in html


def test_domain_listing_columns_and_filters(editor_client):
    gcm = IndicatorFramework.objects.get(slug="gcm")
    response = editor_client.get(url(IndicatorDomain), {"framework": gcm.pk})
    html = rows(response)
    assert response.context["paginator"].count == 23
    assert "Minimize the adverse drivers" in html or "adverse drivers" in html
    assert "GCM" in html  # the framework column
    editorial = editor_client.get(url(IndicatorDomain), {"mapping_status": "editorial"})
    expected = IndicatorDomain.objects.filter(mapping_status="editorial").count()
    assert editorial.context["paginator"].count == expected
    assert 0 < expected < IndicatorDomain.objects.count()
    by_status = editor_client.get(url(IndicatorDomain), {"status": "confirmed"})
    assert (
        by_status.context["paginator"].count
        == IndicatorDomain.objects.filter(status="confirmed").count()
    )


def test_indicator_filter_by_framework_and_search(editor_client):
    eiu = IndicatorFramework.objects.get(slug="mgi-2016")
    response = editor_client.get(url(Indicator), {"domain__framework": eiu.pk})
    assert response.context["paginator"].count == 23
    response = editor_client.get(
        url(Indicator), {"domain__framework": eiu.pk, "q": "Institutional"}
    )
    html = rows(response)
    found = {obj.code for obj in response.context["object_list"]}
    assert "1.1" in found
    assert all(obj.domain.framework_id == eiu.pk for obj in response.context["object_list"])
    assert "Institutional framework" in html
    by_status = editor_client.get(url(Indicator), {"status": "unconfirmed", "q": "framework"})
    assert by_status.status_code == 200
    assert {o.status for o in by_status.context["object_list"]} == {"unconfirmed"}


def test_key_document_search_and_filter(editor_client):
    response = editor_client.get(url(KeyDocument), {"q": "A/RES/73/195"})
    html = rows(response)
    assert [d.symbol for d in response.context["object_list"]] == ["A/RES/73/195"]
    assert "Global Compact for Safe, Orderly and Regular Migration" in html
    response = editor_client.get(url(KeyDocument), {"doc_type": "report"})
    symbols = {d.symbol for d in response.context["object_list"]}
    assert "A/70/59" in symbols
    assert "A/RES/70/1" not in symbols
    response = editor_client.get(url(KeyDocument), {"doc_type": "resolution", "q": "Compact"})
    assert response.status_code == 200


def test_framework_search_uses_the_search_backend(editor_client):
    response = editor_client.get(url(IndicatorFramework), {"q": "Sustainable"})
    assert response.status_code == 200
    response = editor_client.get(url(IndicatorFramework), {"q": "Compact", "status": "confirmed"})
    assert response.status_code == 200
    assert "gcm" in {f.slug for f in response.context["object_list"]}


def test_editor_edits_a_key_document(editor_client):
    document = KeyDocument.objects.get(symbol="A/70/59")
    edit = url(KeyDocument, "edit", document.pk)
    assert editor_client.get(edit).status_code == 200


def test_trainee_is_kept_out_of_the_admin(client, framework):
    client.force_login(member("trainee@example.org", Role.TRAINEES))
    for target in (reverse("wagtailadmin_home"), url(KeyDocument)):
        response = client.get(target)
        assert response.status_code in {302, 403}, target
        if response.status_code == 302:
            assert not response["Location"].startswith("/admin/snippets")


def test_trainer_views_but_does_not_edit_snippets(trainer_client):
    assert rows(trainer_client.get(url(Indicator))).count("1.1") >= 1
    document = KeyDocument.objects.get(symbol="A/70/59")
    edit = url(KeyDocument, "edit", document.pk)
    response = trainer_client.get(edit)
    assert response.status_code in {302, 403}
    response = trainer_client.post(edit, {"title": "Changed by a trainer"})
    assert response.status_code in {302, 403}
    document.refresh_from_db()
    assert document.title != "Changed by a trainer"
    assert trainer_client.get(url(KeyDocument, "add")).status_code in {302, 403}
    delete = url(KeyDocument, "delete", document.pk)
    assert trainer_client.post(delete).status_code in {302, 403}
    assert KeyDocument.objects.filter(pk=document.pk).exists()
