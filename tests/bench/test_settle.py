"""The benchmark settles each database it builds (bench/run.py `Databases.settle`): the
planner gets statistics, as autovacuum would give it on a production server, so the figures
are not those of a planner guessing a few rows where thousands match."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings

# bench/run.py is a script (standard library only), loaded here as a module of its own.
_spec = importlib.util.spec_from_file_location(
    "bench_run", Path(__file__).resolve().parents[2] / "bench" / "run.py"
)
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)


def test_a_sqlite_build_is_analysed(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    databases = bench_run.Databases(tmp_path)
    path = databases.sqlite_path("small")
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY, kind TEXT)")
        conn.execute("CREATE INDEX entry_kind ON entry (kind)")
        conn.executemany("INSERT INTO entry (kind) VALUES (?)", [("lesson",)] * 500)
    databases.settle("small")
    with sqlite3.connect(path) as conn:
        (stat,) = conn.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'entry_kind'").fetchone()
    assert stat.startswith("500 ")  # rows in the index, as the planner now knows


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL: set DATABASE_URL=postgres://...",
)
def test_a_postgresql_build_is_vacuumed_and_analysed(monkeypatch, tmp_path):
    default = settings.DATABASES["default"]
    user, host, port = default["USER"], default["HOST"] or "127.0.0.1", default["PORT"] or 5432
    name = f"migof_settle_test_{os.getpid()}"
    monkeypatch.setenv("DATABASE_URL", f"postgres://{user}@{host}:{port}/{name}")
    databases = bench_run.Databases(tmp_path)
    databases.prepare("default", rebuild=True)
    try:
        with databases._connect(name) as conn:
            conn.execute("CREATE TABLE entry (id serial PRIMARY KEY, kind text)")
            conn.execute("INSERT INTO entry (kind) SELECT 'lesson' FROM generate_series(1, 2000)")
            conn.execute("DELETE FROM entry WHERE id % 2 = 0")
            (before,) = conn.execute(
                "SELECT reltuples FROM pg_class WHERE relname = 'entry'"
            ).fetchone()
        databases.settle("default")
        with databases._connect(name) as conn:
            (after,) = conn.execute(
                "SELECT reltuples FROM pg_class WHERE relname = 'entry'"
            ).fetchone()
    finally:
        with databases._connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert before == -1  # never analysed: the planner guesses
    assert after == 1000  # the live rows, dead ones vacuumed away
