from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import admin_access

        admin_access.connect()


class UsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with forms for our e-mail-and-full-name user."""

    user_viewset = "accounts.viewsets.UserViewSet"
