"""bin/audit-dependencies: an audit that did not happen is never reported as clean.

The vulnerability services are the outside world: here they are HTTP servers on 127.0.0.1
(or a closed port). pip-audit itself is the real one from `.venv-tools` where `make security`
installed it; without it, the tests that need it are skipped (the others use a stand-in
that behaves as pip-audit does when PyPI cannot answer: every package skipped, and its
"No known vulnerabilities found" line).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET  # noqa: S405 - parses the script's own output
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bin" / "audit-dependencies"
REAL_PIP_AUDIT = ROOT / ".venv-tools" / "bin" / "pip-audit"
FAKE_HASH = "--hash=sha256:" + "0" * 64

NOT_RUN, VULNERABLE, PASSED = 3, 1, 0


def _closed_port_url(path: str) -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"  # nothing listens there any more


class _Service(BaseHTTPRequestHandler):
    """PyPI's JSON API and OSV's query endpoint, as far as the script and pip-audit use them.

    `routes` maps a GET path to (status, body); `osv` maps a package name to its OSV vulns.
    """

    routes: dict[str, tuple[int, object]] = {}
    osv: dict[str, list[dict]] | None = None
    queries: list[str] = []

    def log_message(self, *args):  # quiet
        pass

    def _reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - http.server's name
        status, body = self.routes.get(self.path, (404, {"message": "Not Found"}))
        self._reply(status, body)

    def do_POST(self):  # noqa: N802
        if self.osv is None or self.path != "/v1/query":
            self._reply(404, {"message": "Not Found"})
            return
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name = query["package"]["name"].lower()
        self.queries.append(name)
        vulns = self.osv.get(name, [])
        self._reply(200, {"vulns": vulns} if vulns else {})


@pytest.fixture
def service():
    """Start a fake service; returns (base URL, handler class to configure)."""
    handler = type("Handler", (_Service,), {"routes": {}, "osv": None, "queries": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def lock_file(tmp_path):
    path = tmp_path / "requirements.lock"
    path.write_text(
        f"django==5.2.1 \\\n    {FAKE_HASH}\n    # via migof-academy\n"
        f"pyyaml==6.0.2 \\\n    {FAKE_HASH}\n"
    )
    return path


@pytest.fixture
def stand_in_pip_audit(tmp_path):
    """pip-audit as it behaves when PyPI answers 404 for every release (this network): it
    skips every package, says "No known vulnerabilities found" and exits 0."""
    marker = tmp_path / "pip-audit-ran"
    script = tmp_path / "pip-audit"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(marker)!r}, 'w').close()\n"
        "out = sys.argv[sys.argv.index('--output') + 1]\n"
        "deps = [{'name': n, 'skip_reason': 'Dependency not found on PyPI and could not be '\n"
        "         'audited: ' + n} for n in ('django', 'pyyaml')]\n"
        "json.dump({'dependencies': deps, 'fixes': []}, open(out, 'w'))\n"
        "print('No known vulnerabilities found', file=sys.stderr)\n"
    )
    script.chmod(0o755)
    return script, marker


def run_audit(*args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def junit_result(path: Path) -> str:
    case = ET.parse(path).getroot().find("testcase")  # noqa: S314 - our own file
    children = [child.tag for child in case]
    return children[0] if children else "passed"


def test_no_service_reachable_says_not_run_and_never_no_vulnerabilities(
    lock_file, stand_in_pip_audit, tmp_path
):
    fake, marker = stand_in_pip_audit
    junit = tmp_path / "audit.xml"
    status, output = run_audit(
        "-r",
        str(lock_file),
        "--pip-audit",
        str(fake),
        "--pypi-url",
        _closed_port_url("/pypi"),
        "--osv-url",
        _closed_port_url("/v1/query"),
        "--junit-xml",
        str(junit),
    )
    assert status == NOT_RUN
    assert "dependency audit NOT RUN" in output
    assert "None of the 2 pinned packages was checked" in output
    assert "no known vulnerabilit" not in output.lower()
    assert not marker.exists()  # pip-audit is not even started
    assert junit_result(junit) == "skipped"


def test_a_mirror_without_release_data_does_not_count_as_reachable(service, lock_file, tmp_path):
    """This network: /pypi/django/json answers (with `vulnerabilities` for the newest
    release), /pypi/django/<pinned version>/json is a 404, OSV does not resolve."""
    url, handler = service
    handler.routes["/pypi/django/json"] = (200, {"info": {}, "vulnerabilities": []})
    status, output = run_audit(
        "-r",
        str(lock_file),
        "--pip-audit",
        str(tmp_path / "absent"),
        "--pypi-url",
        f"{url}/pypi",
        "--osv-url",
        _closed_port_url("/v1/query"),
    )
    assert status == NOT_RUN
    assert "dependency audit NOT RUN" in output
    assert f"{url}/pypi/django/5.2.1/json: HTTP 404" in output
    assert "no known vulnerabilit" not in output.lower()


def test_every_package_skipped_by_pip_audit_is_not_run(
    service, lock_file, stand_in_pip_audit, tmp_path
):
    url, handler = service
    handler.routes["/pypi/django/5.2.1/json"] = (200, {"info": {}, "vulnerabilities": []})
    fake, marker = stand_in_pip_audit
    junit = tmp_path / "audit.xml"
    status, output = run_audit(
        "-r",
        str(lock_file),
        "--pip-audit",
        str(fake),
        "--pypi-url",
        f"{url}/pypi",
        "--junit-xml",
        str(junit),
    )
    assert marker.exists()
    assert status == NOT_RUN
    assert "dependency audit NOT RUN" in output
    assert "NOT CHECKED django" in output and "NOT CHECKED pyyaml" in output
    assert "no known vulnerabilit" not in output.lower()
    assert junit_result(junit) == "skipped"


needs_pip_audit = pytest.mark.skipif(
    not REAL_PIP_AUDIT.exists(), reason="pip-audit is installed by `make security` (.venv-tools)"
)


@needs_pip_audit
def test_a_known_vulnerability_fails_the_audit(service, lock_file, tmp_path):
    url, handler = service
    handler.osv = {
        "django": [
            {
                "id": "GHSA-test-0001",
                "summary": "SQL injection",
                "affected": [
                    {
                        "package": {"name": "django", "ecosystem": "PyPI"},
                        "ranges": [
                            {
                                "type": "ECOSYSTEM",
                                "events": [{"introduced": "5.2"}, {"fixed": "5.2.2"}],
                            }
                        ],
                    }
                ],
            }
        ]
    }
    junit = tmp_path / "audit.xml"
    status, output = run_audit(
        "-r",
        str(lock_file),
        "--pip-audit",
        str(REAL_PIP_AUDIT),
        "--service",
        "osv",
        "--osv-url",
        f"{url}/v1/query",
        "--junit-xml",
        str(junit),
    )
    assert status == VULNERABLE, output
    assert "VULNERABLE django 5.2.1: GHSA-test-0001 (fixed in 5.2.2)" in output
    assert "dependency audit FAILED: 1 known vulnerabilities in 1 of 2 packages" in output
    assert junit_result(junit) == "failure"


@needs_pip_audit
def test_a_clean_audit_names_what_it_checked(service, lock_file, tmp_path):
    url, handler = service
    handler.osv = {}
    status, output = run_audit(
        "-r",
        str(lock_file),
        "--pip-audit",
        str(REAL_PIP_AUDIT),
        "--service",
        "osv",
        "--osv-url",
        f"{url}/v1/query",
    )
    assert status == PASSED, output
    assert sorted(set(handler.queries)) == ["django", "pyyaml"]
    assert "dependency audit passed: 2 of 2 packages checked" in output
    assert "No known vulnerabilities found" not in output  # pip-audit's own line is not passed on
