"""Celery: in-process without a broker; a real worker through Redis when one is configured."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from training_site.celery import app as celery_app
from training_site.tasks import ping_task

BASE_DIR = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT_SECONDS = 60


def test_our_tasks_ack_late_and_use_the_django_task_class():
    assert ping_task.acks_late is True
    assert celery_app.conf.task_acks_late is True
    assert hasattr(ping_task, "delay_on_commit")


def test_without_a_broker_tasks_run_in_process(settings):
    settings.CELERY_BROKER_URL = ""
    assert celery_app.conf.task_always_eager is True

    result = ping_task.delay("eager")

    assert result.get(timeout=1) == "pong:eager"


@pytest.mark.django_db
def test_delay_on_commit_waits_for_the_transaction(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    original_delay = ping_task.delay
    monkeypatch.setattr(
        ping_task, "delay", lambda *args, **kw: sent.append(original_delay(*args, **kw).get())
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            ping_task.delay_on_commit("after-commit")
            assert sent == []  # nothing leaves before the commit

    assert len(callbacks) == 1
    assert sent == ["pong:after-commit"]


def _redis_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        pytest.skip("CELERY_BROKER_URL is not set: no broker, tasks run in-process")
    if not url.startswith(("redis://", "rediss://")):
        pytest.skip("the worker test reads results through the Redis result backend")
    return url


def _celery_executable() -> str:
    candidate = Path(sys.executable).with_name("celery")
    return str(candidate) if candidate.exists() else "celery"


@pytest.mark.services
def test_a_real_worker_runs_our_task_through_the_broker():
    _redis_broker()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "training_site.settings.test"}
    worker = subprocess.Popen(
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
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # test settings run tasks in-process
    try:
        result = ping_task.apply_async(args=["worker"], queue=queue)
        assert result.get(timeout=WORKER_TIMEOUT_SECONDS) == "pong:worker"
        result.forget()
    finally:
        celery_app.conf.task_always_eager = was_eager
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    assert "Traceback" not in output, output
