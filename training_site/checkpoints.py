"""Named points inside tasks where a test can stop a real worker, to kill it there.

`checkpoint("certificate-pdf-stored")` does nothing unless the setting
``TASK_CHECKPOINT_DIR`` names a folder. Only the test settings define that setting (from the
environment variable of the same name); base and production settings do not, so in
production a checkpoint is one attribute lookup and returns.

When the folder is set and holds a file ``<name>.hold``, the task writes ``<name>.reached``
next to it and waits while ``<name>.hold`` exists (at most HOLD_SECONDS, so a forgotten
hold never stalls a worker for good). tests/security/test_worker_kill.py holds a task at a
point after its first write, kills the worker with SIGKILL there, and checks that the next
worker finishes the work exactly once.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings

HOLD_SECONDS = 120
POLL_SECONDS = 0.05


def checkpoint(name: str) -> None:
    folder = getattr(settings, "TASK_CHECKPOINT_DIR", "")
    if not folder:
        return
    hold = Path(folder) / f"{name}.hold"
    if not hold.exists():
        return
    (Path(folder) / f"{name}.reached").touch()
    deadline = time.monotonic() + HOLD_SECONDS
    while hold.exists() and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
