"""Print the current two-factor code of the staff demo accounts (demo only)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_ACCOUNTS, DEMO_TOTP_SECRET, is_demo_mfa_account


class Command(BaseCommand):
    help = (
        "Print the current 6-digit two-factor code of the staff demo accounts (admin, "
        "editor, trainer), for trying the demo without an authenticator app. Refused in "
        "production and for any other account."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "email",
            nargs="?",
            help="a staff demo account; checks that it really uses the demo secret",
        )

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("demo_totp_code refuses to run with production settings.")
        from allauth.mfa import app_settings
        from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

        email = options["email"]
        if email is not None:
            self._check_demo_account(email)
        now = time.time()
        counter = int(now) // app_settings.TOTP_PERIOD
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
        seconds_left = app_settings.TOTP_PERIOD - int(now) % app_settings.TOTP_PERIOD
        self.stdout.write(code)
        if options["verbosity"] > 0:
            self.stderr.write(
                f"Valid for {seconds_left} more seconds; each code works once. Staff demo "
                f"accounts: {', '.join(a.email for a in DEMO_ACCOUNTS if a.needs_mfa)}."
            )

    def _check_demo_account(self, email):
        from allauth.mfa.models import Authenticator
        from allauth.mfa.utils import decrypt

        from accounts.models import User

        if not is_demo_mfa_account(email):
            raise CommandError(f"{email} is not a staff demo account.")
        user = User.objects.filter(email__iexact=email.strip()).first()
        totp = (
            Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
            if user is not None
            else None
        )
        if totp is None or decrypt(totp.data["secret"]) != DEMO_TOTP_SECRET:
            raise CommandError(
                f"{email} does not use the demo two-factor secret; run `manage.py seed_demo`."
            )
