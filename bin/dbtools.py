"""What bin/backup-db and bin/restore-db share: reading DATABASE_URL, running pg_dump and
pg_restore without a password on their command line, packing media, the manifest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess  # noqa: S404 - runs pg_dump / pg_restore with fixed arguments
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
# libpq reads these from the environment; the URL's query may set them (sslmode=require).
LIBPQ_QUERY_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
}


class BackupError(Exception):
    """A refusal or failure, said in words."""


@dataclass(frozen=True)
class Database:
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    options: tuple[tuple[str, str], ...] = ()

    def env(self) -> dict[str, str]:
        """The environment for pg_dump / pg_restore: connection settings as PG* variables,
        so the password is never on a command line (visible to every user in `ps`)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        values = {
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
        }
        for key, value in self.options:
            if key in LIBPQ_QUERY_ENV:
                values[LIBPQ_QUERY_ENV[key]] = value
        env.update({k: v for k, v in values.items() if v})
        return env


def pg_settings(url: str | None) -> Database:
    url = url or os.environ.get("DATABASE_URL", "")
    if not url:
        raise BackupError("no database: set DATABASE_URL (postgres://user:password@host/name)")
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise BackupError(
            f"DATABASE_URL is not PostgreSQL ({parts.scheme or 'no scheme'}): these scripts "
            "back up PostgreSQL only (for SQLite, copy the file while the site is stopped)"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise BackupError("DATABASE_URL names no database")
    return Database(
        name=name,
        host=unquote(parts.hostname or ""),
        port=str(parts.port or ""),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        options=tuple(parse_qsl(parts.query)),
    )


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install PostgreSQL's client (postgresql-client)")
    return path


def _run(command: list[str], database: Database) -> subprocess.CompletedProcess:
    done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        command, env=database.env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip()
        raise BackupError(f"{Path(command[0]).name} failed (exit {done.returncode}): {said}")
    return done


def utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def default_media_root() -> Path:
    return Path(os.environ.get("MEDIA_ROOT") or ROOT / "media")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dump_database(database: Database, path: Path) -> Path:
    _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={path}"], database)
    return path


def restore_database(database: Database, dump: Path) -> None:
    """Everything in the dump is dropped (if it exists) and re-created, in one transaction:
    a failed restore changes nothing. Owners and grants are not restored (the restoring
    role owns everything), so a dump restores onto a server with other role names."""
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={database.name}",
            str(dump),
        ],
        database,
    )


def pack_media(media_root: Path, path: Path) -> Path | None:
    if not media_root.is_dir():
        return None
    with tarfile.open(path, "w:gz") as archive:
        for child in sorted(media_root.iterdir()):
            archive.add(child, arcname=child.name)
    return path


def unpack_media(archive_path: Path, media_root: Path) -> Path:
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        # "data": no absolute paths, no links or files outside media_root, no devices.
        archive.extractall(media_root, filter="data")
    return media_root


def write_manifest(
    folder: Path, database: Database, files: list[Path], *, media_root: Path | None
) -> None:
    version = _run([_tool("pg_dump"), "--version"], database).stdout.strip()
    manifest = {
        "format": 1,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database.name,
        "host": database.host or "local socket",
        "pg_dump": version,
        "media": "media.tar.gz" if any(f.name == "media.tar.gz" for f in files) else None,
        "files": {f.name: {"sha256": sha256(f), "bytes": f.stat().st_size} for f in files},
    }
    if media_root is not None and manifest["media"] is None:
        manifest["media_note"] = "MEDIA_ROOT did not exist: no media were backed up"
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def read_manifest(folder: Path) -> dict:
    """The manifest, once every file it lists is there with the same SHA-256."""
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a backup made by bin/backup-db ({exc})") from exc
    files = manifest.get("files", {})
    if "database.dump" not in files:
        raise BackupError(f"{path} lists no database.dump")
    for name, expected in files.items():
        file = folder / name
        if not file.is_file():
            raise BackupError(f"{file} is missing")
        if sha256(file) != expected["sha256"]:
            raise BackupError(f"{file} does not match its checksum: damaged or changed")
    return manifest
