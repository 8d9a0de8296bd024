"""What /healthz reports: each configured part of the stack, and whether it answers.

Each check is bounded (a couple of seconds at most) so a load balancer or a container
healthcheck never hangs on a dead dependency.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection

CHECK_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class PartStatus:
    name: str
    ok: bool
    detail: str = ""


def check_database() -> PartStatus:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return PartStatus("database", False, type(exc).__name__)
    return PartStatus("database", True, connection.vendor)


def check_cache() -> PartStatus:
    try:
        cache.set("healthz", "ok", 10)
        ok = cache.get("healthz") == "ok"
    except Exception as exc:  # noqa: BLE001
        return PartStatus("cache", False, type(exc).__name__)
    return PartStatus("cache", ok, "" if ok else "value not read back")


def check_broker() -> PartStatus | None:
    """The Celery broker, only when one is configured (otherwise tasks run in-process)."""
    url = settings.CELERY_BROKER_URL
    if not url:
        return None
    from kombu import Connection

    try:
        with Connection(
            url,
            connect_timeout=CHECK_TIMEOUT_SECONDS,
            transport_options={
                "socket_connect_timeout": CHECK_TIMEOUT_SECONDS,
                "socket_timeout": CHECK_TIMEOUT_SECONDS,
            },
        ) as conn:
            conn.ensure_connection(
                max_retries=1,
                interval_start=0,
                interval_step=0.2,
                interval_max=0.2,
                timeout=CHECK_TIMEOUT_SECONDS,
            )
    except Exception as exc:  # noqa: BLE001
        return PartStatus("broker", False, type(exc).__name__)
    # Only the scheme: the URL may carry a password.
    return PartStatus("broker", True, url.split(":", 1)[0])


def check_all() -> list[PartStatus]:
    parts = [check_database(), check_cache(), check_broker()]
    return [p for p in parts if p is not None]
