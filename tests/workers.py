"""A real Celery worker for tests that need one (the `services` run: Redis as broker)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
WORKER_TIMEOUT_SECONDS = 60


def _celery_executable() -> str:
    candidate = Path(sys.executable).with_name("celery")
    return str(candidate) if candidate.exists() else "celery"


@dataclass
class Worker:
    queue: str
    process: subprocess.Popen
    output: str = field(default="")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as the kernel's out-of-memory killer or `docker kill` would: the worker
        gets no chance to finish, give back or acknowledge what it holds."""
        self.process.kill()
        self.process.wait(timeout=WORKER_TIMEOUT_SECONDS)


@contextlib.contextmanager
def celery_worker(prefix: str = "test", *, queue: str = "", **env: str) -> Iterator[Worker]:
    """Start a worker on its own queue, switch eager mode off, and stop it afterwards.

    `env` adds environment variables for the worker (e.g. DATABASE_URL of the test database).
    `queue` makes it consume an existing worker's queue (a worker started after another was
    killed). The worker's combined output is in `worker.output` once the block has ended.
    """
    from training_site.celery import app as celery_app

    queue = queue or f"{prefix}-{uuid.uuid4().hex[:12]}"
    process = subprocess.Popen(  # noqa: S603 - our own celery executable
        [
            _celery_executable(),
            "-A",
            "training_site",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "training_site.settings.test", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = Worker(queue=queue, process=process)
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # test settings run tasks in-process
    try:
        yield worker
    finally:
        celery_app.conf.task_always_eager = was_eager
        process.terminate()
        try:
            worker.output, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            worker.output, _ = process.communicate()
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
