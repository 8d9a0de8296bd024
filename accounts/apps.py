from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import admin_access, security_log

        admin_access.connect()
        security_log.connect()


class UsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with forms for our e-mail-and-full-name user."""

    user_viewset = "accounts.viewsets.UserViewSet"
