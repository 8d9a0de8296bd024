"""The semgrep allow-list stays honest: every `nosemgrep` names a rule of .semgrep/rules and
says why the place is safe (`nosemgrep: <rule id> -- <reason>`). A bare `nosemgrep` would
silence every rule on its line, and one without a reason is an audit nobody can check."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / ".semgrep" / "rules"
SKIP_DIRS = {
    ".git",
    ".venv",
    ".venv-tools",
    "node_modules",
    "staticfiles",
    "media",
    ".test-media",
    "var",
    "locale",
    "__pycache__",
    ".ci-artifacts",
    ".ruff_cache",
    ".pytest_cache",
}
# What the rules scan (Python, templates) and bin/ scripts; not the rules (RULES_DIR).
SUFFIXES = {".py", ".html", ".txt", ".xml", ".js", ".css", ""}
MARKER = "nosem" + "grep"  # spelled apart so this file does not list itself
ALLOWED = re.compile(MARKER + r": (?P<ids>[\w.-]+(?:, ?[\w.-]+)*) -- (?P<reason>\S.{8,})")


def rule_ids() -> set[str]:
    ids = set()
    for path in RULES_DIR.glob("*.yml"):
        ids.update(rule["id"] for rule in yaml.safe_load(path.read_text())["rules"])
    return ids


def source_files():
    for folder, dirs, files in os.walk(ROOT):
        here = Path(folder)
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and here / d != RULES_DIR]
        for name in files:
            path = here / name
            if path.suffix in SUFFIXES and (path.suffix or here.name == "bin"):
                yield path


def test_every_rule_has_a_fixture_where_it_must_fire():
    """`semgrep --test` (make security) checks the fixtures; this checks none is missing."""
    annotated = set()
    for path in (ROOT / ".semgrep" / "tests").iterdir():
        for match in re.finditer(r"ruleid: ?([\w., -]+)", path.read_text()):
            annotated.update(rule.strip() for rule in match[1].split(","))
    assert rule_ids() <= annotated, f"no ruleid fixture for {sorted(rule_ids() - annotated)}"


def test_every_nosemgrep_names_a_rule_and_a_reason():
    known = rule_ids()
    assert known, "no semgrep rules found"
    seen = 0
    problems = []
    for path in source_files():
        if path == Path(__file__).resolve():
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(lines, 1):
            if MARKER not in line.lower():
                continue
            seen += 1
            where = f"{path.relative_to(ROOT)}:{number}"
            match = ALLOWED.search(line)
            if match is None:
                problems.append(f"{where}: needs '{MARKER}: <rule id> -- <reason>'")
                continue
            unknown = {i.strip() for i in match["ids"].split(",")} - known
            if unknown:
                problems.append(f"{where}: unknown rule {sorted(unknown)}")
    assert seen, "the audited places (mark_safe, csrf_exempt, ...) carry allow-list comments"
    assert not problems, "\n".join(problems)
