"""bin/backup-db and bin/restore-db on a real PostgreSQL: learner data and media come back.

The test database (migrated, with the knowledge base and a learner's data committed) is
backed up and restored into a second database named after it (`<test database>_restore`,
so parallel runs never share one, and CI's clean-up of `test_<name>*` also drops it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.choices import Role
from quizzes.models import Attempt
from quizzes.questions import QuestionKind
from tests.mfa import activate_totp
from tests.quizzes.builders import make_module, make_question, make_quiz

ROOT = Path(__file__).resolve().parents[2]
ANSWER = "Restored answer: policy coherence across ministries"


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not found (Debian: postgresql-client)")
    return settings.DATABASES["default"]


def url_of(db: dict, name: str) -> str:
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{name}"


@pytest.fixture
def restore_database(postgres):
    """An empty database beside the test database, dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"{postgres['NAME']}_restore"
    admin = {
        "host": postgres.get("HOST") or None,
        "port": postgres.get("PORT") or None,
        "user": postgres["USER"],
        "password": postgres.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(**admin) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name, {**admin, "dbname": name}
    with psycopg.connect(**admin) as conn:
        conn.execute(drop)


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "bin" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def learner_data(client, framework):
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    from accounts.models import User

    # get_or_create: an earlier transactional test in this process may have flushed the
    # groups the roles migration made (a flush re-creates permissions, not data).
    learner = User.objects.create_user(
        email="amina@example.org", password="pw-0123456789", full_name="Amina Diallo"
    )
    learner.groups.add(Group.objects.get_or_create(name=Role.TRAINEES.value)[0])
    EmailAddress.objects.create(user=learner, email=learner.email, verified=True, primary=True)
    trainer = User.objects.create_user(email="trainer@example.org", password="pw-0123456789")
    trainer.groups.add(Group.objects.get_or_create(name=Role.TRAINERS.value)[0])
    activate_totp(trainer)
    quiz = make_quiz(make_module("P1"), [make_question(QuestionKind.SHORT_ANSWER)])
    client.force_login(learner)
    response = client.post(quiz.url + "start/")
    attempt = Attempt.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))
    client.post(
        f"{quiz.url}attempts/{attempt.pk}/submit/", {"q1-shown": "1", "q1": ANSWER}, follow=True
    )
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    return learner, attempt


def table_counts(cursor) -> dict[str, int]:
    from psycopg import sql

    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_the_learner_data_and_media(
    postgres, restore_database, client, framework, tmp_path
):
    import psycopg

    learner, attempt = learner_data(client, framework)
    media = tmp_path / "media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "guide.pdf").write_bytes(b"%PDF-1.4 the migration governance guide")
    with connection.cursor() as cursor:
        source_counts = table_counts(cursor)
    assert source_counts["accounts_user"] == 2 and source_counts["quizzes_attempt"] == 1

    backup = tmp_path / "backup"
    done = run(
        "backup-db",
        "--output",
        str(backup),
        "--database-url",
        url_of(postgres, postgres["NAME"]),
        "--media-root",
        str(media),
    )
    assert done.returncode == 0, done.stderr
    assert {p.name for p in backup.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}
    assert "PASSWORD" not in done.stdout + done.stderr

    target, target_conn = restore_database
    restored_media = tmp_path / "restored-media"
    target_url = url_of(postgres, target)
    refused = run("restore-db", str(backup), "--database-url", target_url)
    assert refused.returncode == 2 and "--yes" in refused.stderr  # nothing replaced unasked
    done = run(
        "restore-db",
        str(backup),
        "--yes",
        "--database-url",
        target_url,
        "--media-root",
        str(restored_media),
    )
    assert done.returncode == 0, done.stderr

    with psycopg.connect(**target_conn) as conn, conn.cursor() as cursor:
        assert table_counts(cursor) == source_counts
        cursor.execute(
            "SELECT email, full_name, password FROM accounts_user WHERE id = %s", [learner.pk]
        )
        assert cursor.fetchone() == (learner.email, learner.full_name, learner.password)
        cursor.execute(
            "SELECT a.score, a.finished_at, q.answer FROM quizzes_attempt a "
            "JOIN quizzes_attemptquestion q ON q.attempt_id = a.id WHERE a.id = %s",
            [attempt.pk],
        )
        score, finished_at, answer = cursor.fetchone()
        assert (score, finished_at) == (attempt.score, attempt.finished_at)
        assert ANSWER in str(answer)
        cursor.execute("SELECT COUNT(*) FROM mfa_authenticator WHERE type = 'totp'")
        assert cursor.fetchone()[0] == 1
    restored = restored_media / "documents" / "guide.pdf"
    assert restored.read_bytes() == b"%PDF-1.4 the migration governance guide"

    # Restoring again over the restored data (--clean) gives the same rows, not twice as many.
    again = run("restore-db", str(backup), "--yes", "--no-media", "--database-url", target_url)
    assert again.returncode == 0, again.stderr
    with psycopg.connect(**target_conn) as conn, conn.cursor() as cursor:
        assert table_counts(cursor) == source_counts


@pytest.mark.services
@pytest.mark.django_db
def test_a_damaged_backup_is_refused_before_anything_is_replaced(
    postgres, restore_database, tmp_path
):
    import psycopg

    backup = tmp_path / "backup"
    done = run(
        "backup-db",
        "--output",
        str(backup),
        "--no-media",
        "--database-url",
        url_of(postgres, postgres["NAME"]),
    )
    assert done.returncode == 0, done.stderr
    dump = backup / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-100])  # cut short, as by a full disk
    target, target_conn = restore_database
    with psycopg.connect(**target_conn) as conn:
        conn.execute("CREATE TABLE kept (id int)")
        conn.commit()
    done = run("restore-db", str(backup), "--yes", "--database-url", url_of(postgres, target))
    assert done.returncode == 2 and "does not match its checksum" in done.stderr
    with psycopg.connect(**target_conn) as conn:
        assert conn.execute("SELECT COUNT(*) FROM kept").fetchone() == (0,)


def test_only_postgresql_is_backed_up(tmp_path):
    done = run("backup-db", "--output", str(tmp_path / "b"), "--database-url", "sqlite:///x.db")
    assert done.returncode == 2
    assert "PostgreSQL only" in done.stderr
    assert not (tmp_path / "b").exists()
