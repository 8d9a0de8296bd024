import json
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext


def _client(request: dict) -> tuple[Client, dict]:
    client = Client(enforce_csrf_checks=True)
    headers = dict(request["headers"])
    cookie = headers.pop("Cookie", "")
    parsed = SimpleCookie()
    parsed.load(cookie)
    for name, morsel in parsed.items():
        client.cookies[name] = morsel.value
    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    extra.pop("HTTP_CONTENT_TYPE", None)
    return client, extra


def send(request: dict):
    client, extra = _client(request)
    if request["method"] == "GET":
        return client.get(request["path"], secure=True, **extra)
    data = dict(parse_qsl(request["body"] or "", keep_blank_values=True))
    return client.post(request["path"], data=data, secure=True, **extra)


class Command(BaseCommand):
    help = "Count SQL queries per request for each page of a bench manifest (warm caches)."

    def add_arguments(self, parser):
        parser.add_argument("--manifest", required=True, type=Path)
        parser.add_argument("--out", type=Path)

    def handle(self, *args, manifest, out, **options):
        data = json.loads(manifest.read_text())
        counts = {}
        for page in data["pages"]:
            probe = page["probe"]
            if probe["method"] == "GET":
                # Warm the caches: the load measures the steady state. Twice: a page's route
                # is kept on the first visit, the routed page itself on the second.
                send(probe)
                send(probe)
            # A POST probe is rolled back, so it can be counted again on a rerun.
            with transaction.atomic():
                with CaptureQueriesContext(connection) as queries:
                    response = send(probe)
                transaction.set_rollback(True)
            if response.status_code >= 400:
                raise CommandError(
                    f"{page['name']}: {probe['path']} answered {response.status_code}"
                )
            counts[page["name"]] = len(queries)
            self.stdout.write(
                f"{page['name']:18} {len(queries):4} queries ({response.status_code})"
            )
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(counts, indent=1))
