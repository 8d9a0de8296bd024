"""Receivers that keep the cohort page's cache honest (connected in apps.py).

A trainee's quiz attempts are part of what their trainer's cohort page shows (attempts
started, "in progress", last activity), and are written by the quizzes app: starting, saving
or finishing an attempt renews the trainee's progress token (courses.progress_versions), as
the courses app's services do for enrolments and item progress.
"""

from __future__ import annotations

from courses.progress_versions import progress_changed


def attempt_changed(sender, instance, **kwargs) -> None:
    progress_changed(instance.user_id)
