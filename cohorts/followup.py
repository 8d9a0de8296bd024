"""Who is behind: pure rules, dates and fractions in, labels out. No ORM, no request.

- Expected progress is the share of the cohort's period that has passed: 0 % before the
  start date, 100 % from the end date on (the end date is the last training day).
- A trainee is *behind* when their course is not complete and their progress is more than
  BEHIND_MARGIN points below what is expected by now.
- A trainee is *inactive* when they have done nothing for INACTIVE_DAYS days (or nothing
  at all) while the cohort runs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

BEHIND_MARGIN = 10  # percentage points
INACTIVE_DAYS = 7


def expected_percent(starts_on: date, ends_on: date, today: date) -> int:
    if today < starts_on:
        return 0
    if today >= ends_on:
        return 100
    total = (ends_on - starts_on).days + 1
    passed = (today - starts_on).days + 1
    return (100 * passed) // total


def is_behind(percent: int, complete: bool, expected: int) -> bool:
    return not complete and percent < expected - BEHIND_MARGIN


def is_inactive(last_activity: datetime | None, now: datetime, *, running: bool) -> bool:
    if not running:
        return False
    return last_activity is None or now - last_activity > timedelta(days=INACTIVE_DAYS)
