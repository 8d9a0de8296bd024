"""A test client standing for a person's device, and whether it is signed in."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def signed_in(device: Client) -> bool:
    """A learner page (the dashboard) answers 200 while signed in and sends a visitor to
    the login page otherwise."""
    response = device.get(reverse("dashboard"))
    if response.status_code == 302:
        assert response.url.startswith(reverse("account_login"))
        return False
    assert response.status_code == 200
    return True


class CacheDown:
    """Stands for a cache that does not answer: every operation raises."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("the cache does not answer")

        return fail
