"""bench/run.py's wrk runs: a page's next run (after its warm-up, in the next repeat) starts
where its earlier runs stopped, so it does not send again what they sent (a search answered
from the cache would make a "cold" figure warm). Against a small local server; needs wrk
(`make bench` installs Debian's package)."""

from __future__ import annotations

import argparse
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.run import Wrk, write_requests

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (make bench)")


class Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 -- http.server's name
        Recorder.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_a_pages_runs_do_not_send_again_what_its_earlier_runs_sent(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        args = argparse.Namespace(threads=2, connections=2, port=server.server_address[1])
        wrk = Wrk(args, tmp_path)
        # Far more requests than a second at this server's pace sends.
        requests = [{"method": "GET", "path": f"/r/{n}"} for n in range(50_000)]
        data = tmp_path / "page.requests"
        write_requests(data, {"method": "GET", "path": "/filler"}, requests)

        runs = []
        for _ in range(3):  # as a warm-up, then two repeats
            Recorder.seen = []
            result = wrk.run("page", data, 1, single_use=False)
            assert result["requests"] > 100
            runs.append({path for path in Recorder.seen if path.startswith("/r/")})
        assert runs[0] and runs[1] and runs[2]
        assert not runs[0] & runs[1] and not (runs[0] | runs[1]) & runs[2]
    finally:
        server.shutdown()
        server.server_close()
