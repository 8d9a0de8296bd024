from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from allauth.mfa.models import Authenticator
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.db.models.signals import post_delete, post_save

        from . import admin_access, kept_user, mfa, security_log, sessions

        admin_access.connect()
        # Every page's header asks for the person's staff links (accounts.admin_access).
        from training_site.content_cache import register_person_tokens

        register_person_tokens(admin_access.token_keys)
        # The user row itself, kept between requests (accounts.kept_user).
        register_person_tokens(kept_user.token_keys)
        for signal in (post_save, post_delete):
            signal.connect(
                kept_user.on_user_changed,
                sender=get_user_model(),
                dispatch_uid=f"accounts-kept-user-{id(signal)}",
            )
        security_log.connect()
        user_logged_in.connect(sessions.on_logged_in, dispatch_uid="accounts-track-session")
        user_logged_out.connect(sessions.on_logged_out, dispatch_uid="accounts-end-sessions")
        post_save.connect(
            mfa.on_authenticator_saved, sender=Authenticator, dispatch_uid="accounts-mfa-step"
        )
        post_save.connect(
            sessions.on_user_saved, sender=get_user_model(), dispatch_uid="accounts-user-saved"
        )


class UsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with forms for our e-mail-and-full-name user."""

    user_viewset = "accounts.viewsets.UserViewSet"
