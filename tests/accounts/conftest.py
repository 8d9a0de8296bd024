import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts attempts in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    from accounts.models import User

    def make(
        email="person@example.org",
        password="correct-horse-9",  # noqa: S107 - test credential
        *,
        role=None,
        verified=True,
        superuser=False,
        **extra,
    ):
        create = User.objects.create_superuser if superuser else User.objects.create_user
        user = create(email=email, password=password, **extra)
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make
