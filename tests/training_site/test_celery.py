"""Celery: in-process without a broker; a real worker through Redis when one is configured."""

import pytest
from django.conf import settings
from django.db import transaction

from tests.workers import WORKER_TIMEOUT_SECONDS, celery_worker
from training_site.celery import app as celery_app
from training_site.tasks import ping_task


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


@pytest.mark.services
def test_a_real_worker_runs_our_task_through_the_broker():
    _redis_broker()
    with celery_worker() as worker:
        result = ping_task.apply_async(args=["worker"], queue=worker.queue)
        assert result.get(timeout=WORKER_TIMEOUT_SECONDS) == "pong:worker"
        result.forget()
    output = worker.output
    assert "Traceback" not in output, output
