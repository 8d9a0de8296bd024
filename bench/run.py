"""The benchmark: build the data sets, count queries, serve the site, load each page with wrk.

Run from the project root (`make bench` does, with BENCH_ARGS):

    .venv/bin/python bench/run.py [--sizes small,default] [--duration 10] [--warmup 2]
        [--floor-duration 3] [--repeat 1] [--connections 8] [--threads 2] [--workers 2]
        [--port 8765] [--pages home,lesson] [--out bench/results/latest-<engine>.json]
        [--skip-build] [--markdown]

1. Every data size gets its own database: SQLite files under var/bench/sqlite/, or, when
   DATABASE_URL (PostgreSQL) is set, one database per size on that server (`<name>` for
   default, `<name>_small` for small), created when absent. A rebuild drops and recreates
   it, but only a database this script created (marked with a comment) or an empty one.
2. Build: `migrate`, then `bench_data --scale S --manifest var/bench/<engine>/<size>-manifest.json`,
   then VACUUM ANALYZE (PostgreSQL; SQLite: ANALYZE), as autovacuum would do in production.
3. Query counts: `bench_queries` for each size.
4. Serve the default size (or the last of --sizes) with gunicorn (sync workers, or gthread
   with --worker-threads N; no access log) on 127.0.0.1, after collectstatic; /healthz must
   answer 200 within 60 s.
5. Load with wrk and bench/wrk_requests.lua: the floor (the constant page /bench/floor/,
   --duration after --warmup), then, for every page, an adjacent floor run (--floor-duration,
   after a warm-up of 1 s, none with --warmup 0) followed by the page itself (--duration after
   --warmup), and at the end the floor again. The machine's speed may drift by tens of per
   cent within minutes, so a page's "% floor" is its req/s divided by the req/s of its own
   adjacent floor run, the one just before it; the first and last floor runs are reported
   too (their difference shows the drift), but no ratio uses them.
6. --repeat N runs the whole page sequence, adjacent floors included, N times; for each page
   the report keeps the run with the median ratio (of an even number, the lower of the two
   middle ones) and lists all N ratios.
6b. Priming: before the repeats, each learner page's requests (group "learner", not
   single-use) are sent once, as in 7 (none with --warmup 0): the steady state the repeats
   measure then holds every learner's kept rows and markup, which a few seconds of warm-up
   do not reach for 200 learners. Right after a build these are first views with every
   cache cold (a deploy's); reported per page as `primed`, no ratio. Search is not primed:
   its texts are meant to be mostly unseen.
7. First views after a publish: for each learner page (group "learner", not single-use),
   `bench_publish` publishes a lesson again (the content token is renewed, as by a trainer
   in the admin), then each of the page's requests is sent once, --connections at a time
   (the standard library's HTTP client): every learner's first view of it after the
   publish, kept content and markup built again. Reported per page as `after_publish`
   (latency, req/s); no ratio.
8. Sample the gunicorn workers' RSS every 0.5 s while wrk runs.
9. Print the table (or --markdown) and write the JSON report (--out): per page its req/s,
   latency, `floor_rps` (its adjacent floor run), `ratio_to_floor_pct` and `ratios` (one per
   repeat); the summary lines give the range of the adjacent floor runs.

Single-use requests (manifest `"single_use": true`, e.g. quiz submissions) are each sent at
most once, without a warm-up; the run stops early when the pool runs out. Which ones were
sent is kept in var/bench/<engine>/<size>-consumed.json, so a later run with --skip-build sends only
the others (a rebuild starts a fresh pool). With --repeat, each repeat sends fresh requests
from the pool; once it runs out, the page keeps the runs measured so far (a note, not an
error; a page with no run at all is skipped).

Environment: DATABASE_URL (PostgreSQL) as above; CACHE_URL and CELERY_BROKER_URL pass
through when set (default: per-process memory cache, tasks in-process). The benchmark sets
its own SECRET_KEY, ALLOWED_HOSTS and SECURE_SSL_REDIRECT.

Options for trying the runner itself (documented in --help): --settings, --manifest,
--skip-queries, --var-dir.

Exit status: 0, every page answered without errors; 1, a page (or the floor) had non-2xx/3xx
responses, socket errors, redirected GET requests, or was skipped (see the WARNING lines);
2, the benchmark could not run; 130, interrupted.

Standard library only (psycopg, from the project's virtual environment, for PostgreSQL).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path("bench/wrk_requests.lua")
SCALES = {"small": 0.1, "default": 1.0}
# For the benchmark's own server only (60 characters); never deployed anywhere.
SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-XYZ"
ALLOWED_HOSTS = "127.0.0.1,localhost"
PG_MARK = "MIGOF benchmark database: bench/run.py drops and rebuilds it"
PG_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
WRK_TIMEOUT = "10s"
SAMPLE_SECONDS = 0.5
HEALTH_TIMEOUT = 60
FLOOR_DRIFT_WARNING = 0.10  # the first and last floor runs differ by more than this: noisy
ADJACENT_FLOOR_WARMUP = 1  # seconds of warm-up before each page's adjacent floor run
FIRST_VIEWS_LIMIT = 120  # seconds a page's first views after a publish may take at most


def log(message: str = "") -> None:
    """Progress goes to stderr, so stdout is only the results (e.g. --markdown > table.md)."""
    print(message, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# --- options ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build the benchmark data, count queries, serve with gunicorn, load with wrk.",
    )
    parser.add_argument(
        "--sizes",
        default="small,default",
        help="data sizes to build and count queries on (default: small,default); the load runs "
        "on default, or on the last size given",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page (10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of discarded warm-up (2)")
    parser.add_argument(
        "--floor-duration",
        type=int,
        metavar="SECONDS",
        default=3,
        help="seconds of the floor run measured just before each page, which that page's "
        "%% floor is relative to (3; its warm-up: 1 s, none with --warmup 0)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="N",
        default=1,
        help="run the page sequence (with its adjacent floor runs) N times and keep, for each "
        "page, the run with the median %% floor (1)",
    )
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--worker-threads",
        type=int,
        default=1,
        help="threads per gunicorn worker: 1, sync workers (the default); more, gthread",
    )
    parser.add_argument("--port", type=int, default=8765, help="gunicorn's port (8765)")
    parser.add_argument("--pages", default="", help="comma-separated subset (default: all)")
    parser.add_argument(
        "--out", type=Path, help="JSON report (default: bench/results/latest-<engine>.json)"
    )
    parser.add_argument(
        "--skip-build", action="store_true", help="reuse the existing databases and manifests"
    )
    parser.add_argument("--markdown", action="store_true", help="print a GitHub markdown table")
    testing = parser.add_argument_group("for trying the runner itself")
    testing.add_argument(
        "--settings", default="bench.settings", help="DJANGO_SETTINGS_MODULE (bench.settings)"
    )
    testing.add_argument(
        "--manifest",
        type=Path,
        help="load the served size with this manifest instead of the built one "
        "(implies --skip-build)",
    )
    testing.add_argument("--skip-queries", action="store_true", help="do not run bench_queries")
    testing.add_argument(
        "--var-dir",
        type=Path,
        default=None,
        help="databases, manifests, query counts, wrk's request files, gunicorn's log "
        "(var/bench/sqlite, or var/bench/postgresql with DATABASE_URL)",
    )
    args = parser.parse_args(argv)
    if args.var_dir is None:
        engine = "postgresql" if os.environ.get("DATABASE_URL", "").strip() else "sqlite"
        args.var_dir = Path("var/bench") / engine
    args.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in args.sizes if s not in SCALES]
    if not args.sizes or unknown:
        parser.error(f"--sizes: choose among {', '.join(SCALES)} (got {args.sizes})")
    args.pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    if args.manifest:
        args.skip_build = True
    if args.duration < 1 or args.warmup < 0 or args.floor_duration < 1:
        parser.error(
            "--duration and --floor-duration must be at least 1 and --warmup at least 0 "
            "(whole seconds)"
        )
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.threads < 1 or args.connections < args.threads:
        parser.error("--connections must be at least --threads (and --threads at least 1)")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.worker_threads < 1:
        parser.error("--worker-threads must be at least 1")
    return args


# --- databases ------------------------------------------------------------------------------


class Databases:
    """One database per size: SQLite files, or PostgreSQL databases derived from DATABASE_URL."""

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.base_url = os.environ.get("DATABASE_URL", "").strip()
        if not self.base_url:
            self.engine = "sqlite"
            return
        parts = urlsplit(self.base_url)
        if parts.scheme not in PG_SCHEMES:
            raise BenchError(
                f"DATABASE_URL must be a PostgreSQL URL (postgres://...), not {parts.scheme}://; "
                "leave it unset to benchmark on SQLite."
            )
        self.engine = "postgresql"
        self.base_name = unquote(parts.path.lstrip("/"))
        if not self.base_name:
            raise BenchError("DATABASE_URL names no database (postgres://user@host:port/NAME).")

    # names and URLs

    def sqlite_path(self, size: str) -> Path:
        return self.var_dir / f"{size}.sqlite3"

    def pg_name(self, size: str) -> str:
        return self.base_name if size == "default" else f"{self.base_name}_{size}"

    def url(self, size: str) -> str:
        if self.engine == "sqlite":
            return f"sqlite:///{(ROOT / self.sqlite_path(size)).resolve()}"
        parts = urlsplit(self.base_url)
        return urlunsplit(parts._replace(path="/" + quote(self.pg_name(size))))

    def label(self, size: str) -> str:
        """For messages: never the URL (it may carry a password)."""
        if self.engine == "sqlite":
            return str(self.sqlite_path(size))
        return f"PostgreSQL database {self.pg_name(size)}"

    # PostgreSQL

    def _connect(self, dbname: str):
        import psycopg

        parts = urlsplit(self.base_url)
        conninfo = urlunsplit(parts._replace(scheme="postgresql", path="/" + quote(dbname)))
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=10)

    def server_version(self) -> str | None:
        if self.engine != "postgresql":
            return None
        with self._connect("postgres") as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def _pg_is_empty(self, name: str) -> bool:
        with self._connect(name) as conn:
            (count,) = conn.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN "
                "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'"
            ).fetchone()
        return count == 0

    def _pg_prepare(self, size: str, rebuild: bool) -> None:
        from psycopg import sql

        name = self.pg_name(size)
        ident = sql.Identifier(name)
        with self._connect("postgres") as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                (name,),
            ).fetchone()
            if row is not None and not rebuild:
                return
            if row is None and not rebuild:
                raise BenchError(f"{self.label(size)} does not exist: run without --skip-build.")
            if row is not None:
                if row[0] != PG_MARK and not self._pg_is_empty(name):
                    raise BenchError(
                        f"Refusing to drop {self.label(size)}: bench/run.py did not create it "
                        "and it is not empty. Point DATABASE_URL at a database name used only "
                        f"for the benchmark (e.g. .../{self.base_name}_bench), or drop it "
                        "yourself."
                    )
                log(f"dropping {self.label(size)}")
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(ident))
            log(f"creating {self.label(size)}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
            conn.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(ident, sql.Literal(PG_MARK))
            )

    def settle(self, size: str) -> None:
        """After a build: VACUUM ANALYZE, as autovacuum would soon do on a production server
        (a server may run with it off, as CI's does): without statistics the planner guesses
        a few rows where thousands match, and a freshly built index still points at the dead
        rows the build left behind. SQLite: ANALYZE, for the same reason."""
        if self.engine == "postgresql":
            with self._connect(self.pg_name(size)) as conn:
                conn.execute("VACUUM (ANALYZE)")
            return
        import sqlite3

        with contextlib.closing(sqlite3.connect(ROOT / self.sqlite_path(size))) as conn:
            conn.execute("ANALYZE")

    # both

    def prepare(self, size: str, rebuild: bool) -> None:
        """rebuild: start from an empty database; otherwise it must exist already."""
        if self.engine == "postgresql":
            self._pg_prepare(size, rebuild)
            return
        path = ROOT / self.sqlite_path(size)
        if rebuild:
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        elif not path.exists():
            raise BenchError(f"{self.label(size)} does not exist: run without --skip-build.")


# --- subprocesses ---------------------------------------------------------------------------


def bench_env(settings: str, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS=ALLOWED_HOSTS,
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
        # One key prefix per database: the two sizes share CACHE_URL, and an entry kept for
        # one (a page's id under a URL) must not be read for the other.
        CACHE_KEY_PREFIX="bench-" + hashlib.sha256(database_url.encode()).hexdigest()[:12],
    )
    # CACHE_URL and CELERY_BROKER_URL stay as the user set them (or absent).
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    command = [sys.executable, "manage.py", *arguments]
    log(f"$ manage.py {' '.join(arguments)}")
    result = subprocess.run(command, cwd=ROOT, env=env, stdout=sys.stderr, check=False)
    if result.returncode != 0:
        raise BenchError(f"manage.py {arguments[0]} failed (exit status {result.returncode})")


def free_port(port: int) -> None:
    with socket.socket() as probe:
        # As gunicorn binds: a port left in TIME_WAIT by the last run counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise BenchError(
                f"Port {port} is in use ({error}); choose another with --port."
            ) from None


class Server:
    """gunicorn, in its own process group; stop() ends the whole group."""

    def __init__(
        self, env: dict[str, str], port: int, workers: int, log_path: Path, threads: int = 1
    ):
        self.env, self.port, self.workers, self.log_path = env, port, workers, log_path
        self.threads = threads
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        free_port(self.port)
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "training_site.wsgi:application",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync" if self.threads == 1 else "gthread",
            "--threads",
            str(self.threads),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]  # no --access-logfile: gunicorn then writes no access log
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = (ROOT / self.log_path).open("wb")
        log(
            f"$ gunicorn --workers {self.workers} --threads {self.threads} "
            f"--bind 127.0.0.1:{self.port}"
        )
        log(f"  (its log: {self.log_path})")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log_file.close()
        self._wait_healthy()

    def _log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            text = (ROOT / self.log_path).read_text(errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return ""

    def _wait_healthy(self) -> None:
        url = f"http://127.0.0.1:{self.port}/healthz"
        deadline = time.monotonic() + HEALTH_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"gunicorn exited (status {self.process.returncode}) before answering:\n"
                    + self._log_tail()
                )
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
                    last = f"status {response.status}"
            except urllib.error.HTTPError as error:
                last = f"status {error.code}: {error.read(500).decode(errors='replace')}"
            except OSError as error:
                last = str(error)
            time.sleep(0.25)
        raise BenchError(
            f"/healthz did not answer 200 within {HEALTH_TIMEOUT} s ({last}). gunicorn's log:\n"
            + self._log_tail()
        )

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


class MemorySampler(threading.Thread):
    """Every SAMPLE_SECONDS while wrk runs: each worker's RSS; keeps the maximum per worker."""

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server = server
        self.per_worker: dict[int, float] = {}
        self.per_page: dict[str, float] = {}
        self.page: str | None = None  # set while wrk runs
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(SAMPLE_SECONDS):
            page = self.page
            if page is None:
                continue
            for pid in self.server.worker_pids():
                mb = rss_mb(pid)
                if mb is None:
                    continue
                self.samples += 1
                self.per_worker[pid] = max(self.per_worker.get(pid, 0.0), mb)
                self.per_page[page] = max(self.per_page.get(page, 0.0), mb)

    def stop(self) -> None:
        self._halt.set()

    def report(self) -> dict:
        return {
            "sample_interval_s": SAMPLE_SECONDS,
            "samples": self.samples,
            "max_worker_rss_mb": round(max(self.per_worker.values(), default=0.0), 1),
            "workers": {str(pid): round(mb, 1) for pid, mb in sorted(self.per_worker.items())},
        }


# --- wrk ------------------------------------------------------------------------------------


def prepared(request: dict) -> dict:
    """The request as the manifest gives it, plus X-Forwarded-Proto: https (the proxy's)."""
    headers = dict(request.get("headers") or {})
    if not any(name.lower() == "x-forwarded-proto" for name in headers):
        headers["X-Forwarded-Proto"] = "https"
    return {**request, "headers": headers}


def write_requests(path: Path, filler: dict, requests: list[dict]) -> None:
    """The data file bench/wrk_requests.lua reads: length-prefixed fields, filler first."""
    chunks: list[bytes] = []

    def field(value: str) -> None:
        data = value.encode()
        chunks.append(b"%d\n%s" % (len(data), data))

    for request in [filler, *requests]:
        request = prepared(request)
        field(request["method"])
        field(request["path"])
        field(str(len(request["headers"])))
        for name, value in request["headers"].items():
            field(name)
            field(str(value))
        body = request.get("body")
        field("0" if body is None else "1")
        field(body or "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(chunks))


class Wrk:
    def __init__(self, args: argparse.Namespace, data_dir: Path):
        self.binary = shutil.which("wrk")
        if not self.binary:
            raise BenchError("wrk is not installed (Debian: apt-get install -y wrk; `make bench`).")
        self.args = args
        self.data_dir = data_dir
        self.url = f"http://127.0.0.1:{args.port}"
        self.process: subprocess.Popen | None = None
        # Per data file (a page's requests, cycled): how far its runs so far went, the most
        # any thread sent. The next run starts there, so it does not send again what the
        # warm-up or an earlier repeat sent (a search whose answer is then kept).
        self.sent_before: dict[str, int] = {}

    def version(self) -> str:
        result = subprocess.run([self.binary, "-v"], capture_output=True, text=True, check=False)
        first = (result.stdout or result.stderr).splitlines()
        return first[0].split(" Copyright")[0].strip() if first else "unknown"

    def run(self, name: str, data: Path, duration: int, single_use: bool) -> dict:
        """One wrk run; returns the BENCHJSON figures, plus the pool's use for single-use pages."""
        threads = self.args.threads
        command = [
            self.binary,
            "-t",
            str(threads),
            "-c",
            str(self.args.connections),
            "-d",
            f"{duration}s",
            "--timeout",
            WRK_TIMEOUT,
            "-s",
            str(LUA_SCRIPT),
            self.url,
            "--",
            str(data),
            "single" if single_use else "cycle",
            str(threads),
            str(self.sent_before.get(str(data), 0)),
        ]
        self.process = process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        stops: list[str] = []
        errors: list[str] = []

        def interrupt_until_exit() -> None:
            # SIGINT makes wrk stop every thread and report the time actually run. Repeated,
            # in case the first one arrives before wrk has installed its handler.
            while process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGINT)
                time.sleep(0.2)

        def read_stderr() -> None:
            for line in process.stderr:
                if line.startswith("BENCHSTOP"):
                    if not stops:
                        threading.Thread(target=interrupt_until_exit, daemon=True).start()
                    stops.append(line.strip())
                else:
                    errors.append(line.rstrip())

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        try:
            stdout, _ = process.communicate(timeout=duration + 60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise BenchError(f"{name}: wrk did not finish within {duration + 60} s") from None
        finally:
            self.process = None
        reader.join(timeout=5)
        found = [line for line in stdout.splitlines() if line.startswith("BENCHJSON ")]
        if process.returncode != 0 or not found:
            raise BenchError(
                f"{name}: wrk failed (exit status {process.returncode}):\n"
                + "\n".join([*errors, stdout])
            )
        result = json.loads(found[-1].removeprefix("BENCHJSON "))
        if not single_use:
            sent = max((thread.get("sent", 0) for thread in result.get("threads", [])), default=0)
            self.sent_before[str(data)] = self.sent_before.get(str(data), 0) + sent
        result["stopped_early"] = bool(stops)
        result["wrk_stderr"] = errors
        return result

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()


# --- the load -------------------------------------------------------------------------------


class Consumed:
    """Which single-use requests of a manifest were sent already, by index in its pool."""

    def __init__(self, path: Path, manifest_path: Path):
        self.path = path
        self.digest = hashlib.sha256(manifest_path.read_bytes()).hexdigest()
        self.pages: dict[str, list[int]] = {}
        with contextlib.suppress(OSError, ValueError):
            stored = json.loads(path.read_text())
            if stored.get("manifest_sha256") == self.digest:
                self.pages = stored["pages"]

    def used(self, page: str) -> set[int]:
        return set(self.pages.get(page, []))

    def add(self, page: str, indices: list[int]) -> None:
        self.pages[page] = sorted(self.used(page) | set(indices))
        self.path.write_text(json.dumps({"manifest_sha256": self.digest, "pages": self.pages}))


def summarise(result: dict) -> dict:
    return {
        "requests": result["requests"],
        "duration_s": round(result["duration_us"] / 1e6, 3),
        "requests_per_s": round(result["requests_per_s"], 1),
        "latency_ms": {k: round(v, 2) for k, v in result["latency_ms"].items()},
        "errors": result["errors"],
        "status_classes": result["status_classes"],
        "non_2xx_3xx": result["errors"]["status"],
    }


def page_warnings(name: str, requests: list[dict], figures: dict) -> list[str]:
    warnings = []
    errors = figures["errors"]
    classes = figures["status_classes"]
    if figures["requests"] == 0:
        warnings.append(f"{name}: no request completed")
    if errors["status"]:
        warnings.append(
            f"{name}: {errors['status']} responses with status >= 400 "
            f"({classes['4xx']} 4xx, {classes['5xx']} 5xx)"
        )
    socket_errors = {k: v for k, v in errors.items() if k != "status" and v}
    if socket_errors:
        detail = ", ".join(f"{k} {v}" for k, v in socket_errors.items())
        warnings.append(f"{name}: socket errors: {detail}")
    if classes["3xx"] and all(r["method"] in ("GET", "HEAD") for r in requests):
        warnings.append(
            f"{name}: {classes['3xx']} redirects (3xx) to GET requests: a stale session or "
            "URL in the manifest? The figures measure the redirect, not the page."
        )
    return warnings


class Load:
    def __init__(self, args, wrk: Wrk, sampler: MemorySampler, consumed: Consumed, filler: dict):
        self.args, self.wrk, self.sampler = args, wrk, sampler
        self.consumed, self.filler = consumed, filler

    def check(self, name: str, requests: list[dict], single_use: bool = False) -> list[int]:
        """The pool positions a run may send; SkipPage when the page cannot be measured."""
        if not requests:
            raise SkipPage(f"{name}: the manifest lists no requests")
        pool_indices = list(range(len(requests)))
        if single_use:
            used = self.consumed.used(name)
            pool_indices = [i for i in pool_indices if i not in used]
            if len(pool_indices) < self.args.connections:
                raise SkipPage(
                    f"{name}: only {len(pool_indices)} unused single-use requests left "
                    f"(of {len(requests)}): rebuild (run without --skip-build)"
                )
        return pool_indices

    def measure(
        self,
        name: str,
        requests: list[dict],
        single_use: bool = False,
        duration: int | None = None,
        warmup: int | None = None,
    ) -> dict:
        """One wrk run of --duration (or `duration`) s after --warmup (or `warmup`) s."""
        duration = self.args.duration if duration is None else duration
        warmup = self.args.warmup if warmup is None else warmup
        pool_indices = self.check(name, requests, single_use)
        info: dict = {}
        if single_use:
            info = {"pool": len(requests), "already_used": len(requests) - len(pool_indices)}
        data = self.wrk.data_dir / f"{name}.requests"
        write_requests(data, self.filler, [requests[i] for i in pool_indices])
        if not single_use and warmup:
            self.sampler.page = name
            self.wrk.run(name, data, warmup, single_use=False)
        self.sampler.page = name
        try:
            result = self.wrk.run(name, data, duration, single_use)
        finally:
            self.sampler.page = None
        figures = summarise(result)
        # Before the run, wrk calls request() once on its first thread to check the script
        # and discards that request: it was taken from the pool but never sent.
        sent = max(0, sum(t["sent"] for t in result["threads"]) - 1)
        if single_use:
            # Thread i was given pool positions i, i+T, ...; it took the first `sent` of them
            # (all counted as used, the discarded one too: a safe overestimate).
            threads = self.args.threads
            spent = []
            for thread in result["threads"]:
                share = pool_indices[thread["id"] :: threads]
                spent.extend(share[: thread["sent"]])
            self.consumed.add(name, spent)
            info.update(
                sent=sent,
                left=len(pool_indices) - len(spent),
                pool_exhausted=result["stopped_early"],
            )
        figures.update(info)
        figures["sent"] = sent
        figures["warnings"] = page_warnings(name, requests, figures)
        figures["warnings"] += [f"{name}: wrk said: {line}" for line in result["wrk_stderr"]]
        figures["max_worker_rss_mb"] = round(self.sampler.per_page.get(name, 0.0), 1)
        return figures

    def first_views(self, name: str, requests: list[dict], when: str) -> dict:
        """Each of the page's requests sent once over --connections concurrent clients (the
        standard library's, not wrk: wrk's single mode waits for a response that a thread may
        never ask for again): every learner's first view of it (`when`: after a publish, or
        before the repeats)."""
        self.sampler.page = name
        try:
            figures = first_views(self.args.port, requests, self.args.connections)
        finally:
            self.sampler.page = None
        figures["warnings"] = page_warnings(f"{name} ({when})", requests, figures)
        return figures


def first_views(port: int, requests: list[dict], connections: int) -> dict:
    """Send each request once, `connections` at a time, each on a new connection (gunicorn's
    sync workers close every connection); the figures in `summarise`'s shape. Each request
    as wrk sends it (`prepared`: through the proxy, https), so what these views keep is what
    the load reads (kept markup is keyed by the scheme, among others)."""
    requests = [prepared(request) for request in requests]
    latencies: list[float] = []
    classes = {f"{n}xx": 0 for n in range(1, 6)}
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0}
    lock = threading.Lock()

    def send(share: list[dict]) -> None:
        for request in share:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=FIRST_VIEWS_LIMIT)
            started = time.perf_counter()
            try:
                body = request["body"].encode() if request["body"] is not None else None
                conn.request(request["method"], request["path"], body, request["headers"])
                response = conn.getresponse()
                response.read()
            except TimeoutError:
                with lock:
                    errors["timeout"] += 1
                continue
            except OSError:
                with lock:
                    errors["read"] += 1
                continue
            finally:
                conn.close()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                classes[f"{response.status // 100}xx"] += 1
                errors["status"] += response.status >= 400

    began = time.perf_counter()
    clients = [
        threading.Thread(target=send, args=(requests[i::connections],), daemon=True)
        for i in range(connections)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    duration = time.perf_counter() - began
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2) if ordered else 0

    return {
        "requests": len(ordered),
        "duration_s": round(duration, 3),
        "requests_per_s": round(len(ordered) / duration, 1) if duration else 0.0,
        "latency_ms": {
            "p50": percentile(0.50),
            "p95": percentile(0.95),
            "p99": percentile(0.99),
            "mean": round(sum(ordered) / len(ordered), 2) if ordered else 0,
            "max": round(ordered[-1], 2) if ordered else 0,
        },
        "errors": errors,
        "status_classes": classes,
        "non_2xx_3xx": errors["status"],
    }


def first_views_line(figures: dict) -> str:
    latency = figures["latency_ms"]
    return (
        f"{figures['requests']} first views, {figures['requests_per_s']:.1f} req/s, "
        f"p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms, p99 {latency['p99']:.1f} ms"
    )


class SkipPage(Exception):
    pass


# --- report ---------------------------------------------------------------------------------


def machine_info(databases: Databases, wrk: Wrk) -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for package in ("django", "wagtail", "gunicorn", "psycopg"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "engine": databases.engine,
        "date": datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat(),
        "wrk": wrk.version(),
        "packages": versions,
    }
    if databases.engine == "postgresql":
        info["postgresql"] = databases.server_version()
    return info


def scheme_of(variable: str) -> str | None:
    """Which kind of service a URL names, never the URL (it may carry a password)."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    return urlsplit(value).scheme or "set"


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    sizes = report["settings"]["sizes"]
    header = ["page", "req/s", "floor req/s", "% floor", "p50 ms", "p95 ms", "p99 ms"]
    header += ["non-2xx/3xx", *[f"queries {size}" for size in sizes]]
    rows = []
    for page in report["pages"]:
        name = page["name"] + (" (!)" if page.get("warnings") else "")
        queries = [fmt(page["queries"].get(s)) for s in sizes]
        if page.get("skipped"):
            rows.append([name, "skipped", *[""] * (len(header) - 2 - len(sizes)), *queries])
            continue
        latency = page["latency_ms"]
        rows.append(
            [
                name,
                fmt(page["requests_per_s"]),
                fmt(page["floor_rps"]),
                fmt(page["ratio_to_floor_pct"]),
                fmt(latency["p50"]),
                fmt(latency["p95"]),
                fmt(latency["p99"]),
                fmt(page["non_2xx_3xx"]),
                *queries,
            ]
        )
    return header, rows


def render_table(report: dict, markdown: bool) -> str:
    header, rows = table_rows(report)
    if markdown:
        lines = ["| " + " | ".join(header) + " |"]
        lines.append("|" + "|".join([":---", *["---:"] * (len(header) - 1)]) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_lines(report: dict) -> list[str]:
    floor = report["floor"]
    first, last = floor["runs"]
    memory = report["memory"]
    per_worker = ", ".join(f"{mb:.1f}" for mb in memory["workers"].values())
    s = report["settings"]
    repeats = s["repeat"]
    if floor["adjacent"]:
        adjacent = (
            f"{floor['adjacent_min_rps']:.1f}–{floor['adjacent_max_rps']:.1f} req/s over "
            f"{len(floor['adjacent'])} runs of {s['floor_duration']} s"
        )
    else:
        adjacent = "none"
    lines = [
        f"% floor: each page's req/s against its adjacent floor run (the one just before it); "
        f"adjacent floor runs: {adjacent}",
        f"floor: {first['requests_per_s']:.1f} req/s first, {last['requests_per_s']:.1f} req/s "
        f"last (drift {floor['drift_pct']:.0f} %, no ratio uses them); max worker RSS "
        f"{memory['max_worker_rss_mb']:.1f} MB (per worker: {per_worker or '–'})",
        f"{report['machine']['engine']}"
        + (f" {report['machine']['postgresql']}" if report["machine"].get("postgresql") else "")
        + f", load on size {s['served_size']}; {s['workers']} gunicorn "
        + (
            "sync workers"
            if s.get("worker_threads", 1) == 1
            else f"gthread workers x {s['worker_threads']} threads"
        )
        + ", wrk "
        f"{s['threads']} threads x {s['connections']} connections, {s['duration']} s per page "
        f"({s['warmup']} s warm-up)"
        + (f", {repeats} repeats (kept: the median run)" if repeats > 1 else "")
        + f"; {report['machine']['cores']} cores, {report['machine']['cpu']}",
    ]
    measured = [page for page in report["pages"] if not page.get("skipped")]
    if repeats > 1 and measured:
        lines.append(
            "% floor of each repeat: "
            + "; ".join(
                f"{page['name']} " + " ".join(fmt(r) for r in page["ratios"]) for page in measured
            )
        )
    for page in measured:
        if page.get("single_use"):
            kept = f" (repeat {page['repeat']}, the median)" if repeats > 1 else ""
            lines.append(
                f"{page['name']}: single-use, {page['requests']} responses in "
                f"{page['duration_s']:.1f} s{kept}; {page['sent']} sent, "
                f"{page['pool_left']} of the pool left"
                + (" (pool ran out: a run stopped early)" if page["pool_ran_out"] else "")
            )
    for key, when in (
        ("primed", "primed, before the repeats"),
        ("after_publish", "after a publish"),
    ):
        for page in measured:
            views = page.get(key)
            if views:
                latency = views["latency_ms"]
                lines.append(
                    f"{page['name']} {when}: {views['requests']} first views, "
                    f"p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms, "
                    f"p99 {latency['p99']:.1f} ms"
                )
    lines += [f"note: {n}" for n in report["notes"]]
    lines += [f"WARNING: {w}" for w in report["warnings"]]
    return lines


def _first_views_figures(figures: dict) -> dict:
    return {
        k: figures[k]
        for k in ("requests", "duration_s", "requests_per_s", "latency_ms", "non_2xx_3xx")
    }


def median_run(runs: list[dict]) -> dict:
    """The run with the median ratio (of an even number, the lower middle one)."""
    measured = sorted(
        (r for r in runs if r["ratio_to_floor_pct"] is not None),
        key=lambda r: r["ratio_to_floor_pct"],
    )
    return measured[(len(measured) - 1) // 2] if measured else runs[0]


def page_result(page: dict, runs: list[dict], skipped: str | None, sampler) -> dict:
    """A page's entry in the report: its median run, with every run's ratio and warnings."""
    entry = {
        "name": page["name"],
        "group": page.get("group"),
        "single_use": page.get("single_use", False),
    }
    if not runs:
        return entry | {"skipped": True, "warnings": [skipped], "ok": False}
    kept = median_run(runs)
    entry |= {k: v for k, v in kept.items() if k != "warnings"}
    entry |= {
        "ratios": [r["ratio_to_floor_pct"] for r in runs],
        "runs": [
            {k: r[k] for k in ("repeat", "requests_per_s", "floor_rps", "ratio_to_floor_pct")}
            for r in runs
        ],
        "max_worker_rss_mb": round(sampler.per_page.get(page["name"], 0.0), 1),
        "warnings": [w for r in runs for w in r["warnings"]],
    }
    if entry["single_use"]:
        entry["pool_left"] = runs[-1]["left"]
        entry["pool_ran_out"] = skipped is not None or any(r["pool_exhausted"] for r in runs)
    entry["ok"] = not entry["warnings"]
    return entry


# --- main -----------------------------------------------------------------------------------


def manifest_path(args, size: str) -> Path:
    return args.var_dir / f"{size}-manifest.json"


def build_and_count(args, databases: Databases) -> tuple[dict, dict]:
    """Build each size (unless --skip-build) and count its queries; returns sizes and counts."""
    sizes: dict[str, dict] = {}
    queries: dict[str, dict] = {}
    served = args.sizes[-1] if "default" not in args.sizes else "default"
    for size in args.sizes:
        env = bench_env(args.settings, databases.url(size))
        manifest = manifest_path(args, size)
        if args.skip_build:
            databases.prepare(size, rebuild=False)
        else:
            log(f"\n== building {size} (scale {SCALES[size]:g}) in {databases.label(size)}")
            databases.prepare(size, rebuild=True)
            manage(env, "migrate", "--no-input", "-v", "0")
            (ROOT / args.var_dir / f"{size}-consumed.json").unlink(missing_ok=True)
            manage(env, "bench_data", "--scale", f"{SCALES[size]:g}", "--manifest", str(manifest))
            log(f"settling {databases.label(size)} (VACUUM ANALYZE)")
            databases.settle(size)
        if args.manifest and size == served:
            manifest = args.manifest
        if not (ROOT / manifest).exists():
            raise BenchError(f"No manifest {manifest}: run without --skip-build.")
        sizes[size] = json.loads((ROOT / manifest).read_text()).get("sizes", {})
        if args.skip_queries:
            queries[size] = {}
            continue
        out = args.var_dir / f"{size}-queries.json"
        log(f"\n== counting queries ({size})")
        manage(env, "bench_queries", "--manifest", str(manifest), "--out", str(out))
        queries[size] = json.loads((ROOT / out).read_text())
    return sizes, queries


def run(args: argparse.Namespace) -> int:
    os.chdir(ROOT)
    databases = Databases(args.var_dir)
    out = args.out or Path(f"bench/results/latest-{databases.engine}.json")
    wrk = Wrk(args, args.var_dir / "wrk")
    (ROOT / args.var_dir).mkdir(parents=True, exist_ok=True)

    served = "default" if "default" in args.sizes else args.sizes[-1]
    env = bench_env(args.settings, databases.url(served))
    # Before the query counts too: pages render {% static %} from the manifest storage.
    log("\n== collecting static files")
    manage(env, "collectstatic", "--no-input", "-v", "0")

    sizes, queries = build_and_count(args, databases)
    manifest_file = args.manifest or manifest_path(args, served)
    manifest = json.loads((ROOT / manifest_file).read_text())
    pages = manifest["pages"]
    if args.pages:
        known = {p["name"] for p in pages}
        missing = [p for p in args.pages if p not in known]
        if missing:
            raise BenchError(f"--pages: not in the manifest: {', '.join(missing)}")
        pages = [p for p in pages if p["name"] in args.pages]
    floor_requests = manifest["floor"]["requests"]

    server = Server(
        env, args.port, args.workers, args.var_dir / "gunicorn.log", threads=args.worker_threads
    )
    sampler = MemorySampler(server)
    consumed = Consumed(ROOT / args.var_dir / f"{served}-consumed.json", ROOT / manifest_file)
    load = Load(args, wrk, sampler, consumed, filler=floor_requests[0])
    runs: dict[str, list[dict]] = {page["name"]: [] for page in pages}  # one per repeat
    skips: dict[str, str] = {}  # the first SkipPage of each page
    adjacent: list[dict] = []  # the floor run before each page, in order
    warnings: list[str] = []
    notes: list[str] = []
    first_views: dict[str, dict] = {}  # learner pages' first views after a publish
    primed: dict[str, dict] = {}  # learner pages' requests sent once before the repeats
    learner_pages = [
        page for page in pages if page.get("group") == "learner" and not page.get("single_use")
    ]

    def warn(new: list[str]) -> None:
        for warning in new:
            log(f"WARNING: {warning}")
        warnings.extend(new)

    def tagged(new: list[str], repeat: int) -> list[str]:
        return [f"[repeat {repeat}] {w}" for w in new] if args.repeat > 1 else list(new)

    adjacent_warmup = min(args.warmup, ADJACENT_FLOOR_WARMUP)
    per_page = args.floor_duration + adjacent_warmup + args.duration + args.warmup
    total = len(pages) * per_page * args.repeat + 2 * (args.duration + args.warmup)
    try:
        server.start()
        sampler.start()
        log(
            f"\n== load on size {served}: {len(pages)} pages, {args.duration} s each, each after "
            f"a {args.floor_duration} s floor run; {args.repeat} repeat(s), about "
            + (f"{total / 60:.0f} min" if total >= 120 else f"{total} s")
        )
        floor_first = load.measure("floor", floor_requests)
        log(f"floor (first): {floor_first['requests_per_s']:.1f} req/s")
        warn(floor_first["warnings"])
        if learner_pages and args.warmup:
            log("\n== priming: each learner page's requests once, before the repeats")
        for page in learner_pages if args.warmup else ():
            figures = load.first_views(page["name"], page["requests"], "primed")
            warn(figures["warnings"])
            primed[page["name"]] = figures
            log(f"{page['name']} primed: {first_views_line(figures)}")
        for repeat in range(1, args.repeat + 1):
            if args.repeat > 1:
                log(f"\n== repeat {repeat}/{args.repeat}")
            for page in pages:
                name, single_use = page["name"], page.get("single_use", False)
                try:
                    load.check(name, page["requests"], single_use)  # before its floor run
                    floor = load.measure(
                        "floor",
                        floor_requests,
                        duration=args.floor_duration,
                        warmup=adjacent_warmup,
                    )
                    warn(tagged(floor["warnings"], repeat))
                    adjacent.append(
                        {
                            "page": name,
                            "repeat": repeat,
                            **{k: floor[k] for k in ("requests", "duration_s", "requests_per_s")},
                            "non_2xx_3xx": floor["non_2xx_3xx"],
                        }
                    )
                    figures = load.measure(name, page["requests"], single_use)
                except SkipPage as skipped:
                    if runs[name]:  # a single-use pool ran out: keep the runs measured
                        if name not in skips:
                            notes.append(
                                f"repeat {repeat}: {skipped}; kept the {len(runs[name])} "
                                "run(s) measured before"
                            )
                            log(f"note: {notes[-1]}")
                    elif name not in skips:
                        warn([str(skipped)])
                    skips.setdefault(name, str(skipped))
                    continue
                figures["warnings"] = tagged(figures["warnings"], repeat)
                warn(figures["warnings"])
                floor_rps = floor["requests_per_s"]
                ratio = round(100 * figures["requests_per_s"] / floor_rps, 1) if floor_rps else None
                runs[name].append(
                    {
                        **figures,
                        "repeat": repeat,
                        "floor_rps": floor_rps,
                        "ratio_to_floor_pct": ratio,
                    }
                )
                latency = figures["latency_ms"]
                log(
                    f"{name}: {figures['requests_per_s']:.1f} req/s, {fmt(ratio)} % of the floor "
                    f"({floor_rps:.1f} req/s just before), p50 {latency['p50']:.1f} ms, "
                    f"p99 {latency['p99']:.1f} ms"
                )
        if learner_pages:
            log("\n== first views after a publish (each request once, right after a publish)")
        for page in learner_pages:
            manage(env, "bench_publish")
            figures = load.first_views(page["name"], page["requests"], "after a publish")
            warn(figures["warnings"])
            first_views[page["name"]] = figures
            log(f"{page['name']} after a publish: {first_views_line(figures)}")
        floor_last = load.measure("floor", floor_requests)
        log(f"floor (last): {floor_last['requests_per_s']:.1f} req/s")
        warn(floor_last["warnings"])
    finally:
        sampler.stop()
        wrk.kill()
        server.stop()

    failed = bool(warnings)  # a page (or a floor run) had errors, or was skipped
    first_last_rps = (floor_first["requests_per_s"] + floor_last["requests_per_s"]) / 2
    drift = abs(floor_first["requests_per_s"] - floor_last["requests_per_s"]) / max(
        first_last_rps, 1e-9
    )
    if drift > FLOOR_DRIFT_WARNING:
        warnings.append(
            f"floor: the first and last floor runs differ by {drift:.0%}: the machine's speed "
            "drifted; the ratios are against each page's adjacent floor run, but compare the "
            "figures with care"
        )
    results = [
        page_result(page, runs[page["name"]], skips.get(page["name"]), sampler)
        | {"queries": {size: queries[size].get(page["name"]) for size in args.sizes}}
        | (
            {"after_publish": _first_views_figures(first_views[page["name"]])}
            if page["name"] in first_views
            else {}
        )
        | ({"primed": _first_views_figures(primed[page["name"]])} if page["name"] in primed else {})
        for page in pages
    ]
    every_run = [
        floor_first,
        *adjacent,
        *(r for rs in runs.values() for r in rs),
        *primed.values(),
        *first_views.values(),
        floor_last,
    ]
    if any(run.get("non_2xx_3xx") for run in every_run):
        warnings.append(f"gunicorn's log (errors, tracebacks): {args.var_dir / 'gunicorn.log'}")
    adjacent_rps = [a["requests_per_s"] for a in adjacent]

    report = {
        "machine": machine_info(databases, wrk),
        "settings": {
            "duration": args.duration,
            "warmup": args.warmup,
            "floor_duration": args.floor_duration,
            "floor_warmup": adjacent_warmup,
            "repeat": args.repeat,
            "connections": args.connections,
            "threads": args.threads,
            "workers": args.workers,
            "worker_threads": args.worker_threads,
            "worker_class": "sync",
            "wrk_timeout": WRK_TIMEOUT,
            "django_settings": args.settings,
            "sizes": args.sizes,
            "served_size": served,
            "cache": scheme_of("CACHE_URL") or "locmem",
            "celery_broker": scheme_of("CELERY_BROKER_URL"),
        },
        "sizes": sizes,
        "floor": {
            "ratios_against": "adjacent",
            "adjacent_min_rps": min(adjacent_rps, default=None),
            "adjacent_max_rps": max(adjacent_rps, default=None),
            "adjacent": adjacent,
            "requests_per_s": round(first_last_rps, 1),  # mean of the first and last runs
            "drift_pct": round(100 * drift, 1),
            "runs": [floor_first, floor_last],
        },
        "pages": results,
        "memory": sampler.report(),
        "notes": notes,
        "warnings": warnings,
        "ok": not failed,
    }
    out_path = ROOT / out
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=1) + "\n")

    print(render_table(report, args.markdown))
    print()
    for line in summary_lines(report):
        print(line)
    print(f"report: {out}")
    return 1 if failed else 0


def main() -> int:
    args = parse_args()

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        return run(args)
    except BenchError as error:
        log(f"ERROR: {error}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
