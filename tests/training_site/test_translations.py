"""Every interface string we write is translated into every site language.

These tests fail on purpose when someone adds or changes a string in a template
(``{% translate %}``, ``{% blocktranslate %}``) or in Python (``gettext_lazy``) without
updating the catalogues. To fix them, from the project root:

    .venv/bin/python manage.py makemessages -l fr -l es --no-location \\
        --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench --ignore=media \\
        --ignore=staticfiles
    # translate the new or "#, fuzzy" entries in locale/<lang>/LC_MESSAGES/django.po
    make messages   # compile the .mo files
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "locale"
TRANSLATED_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "es": "nplurals=2; plural=(n != 1);",
}
HOW_TO_FIX = (
    "Run `.venv/bin/python manage.py makemessages -l fr -l es --no-location --ignore=.venv "
    "--ignore=node_modules --ignore=tests --ignore=bench --ignore=media --ignore=staticfiles`, "
    "translate the new or fuzzy entries in locale/<lang>/LC_MESSAGES/django.po, "
    "then `make messages`."
)

# Not our interface code: never scanned for strings (same list as the command above).
IGNORED_AT_TOP = {
    ".venv",
    "node_modules",
    "tests",
    "bench",
    "media",
    ".test-media",
    "staticfiles",
    "locale",
}
IGNORED_ANYWHERE = ["__pycache__", ".*", "*.pyc", "*.sqlite3", "*.mo", "*.po"]

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


def catalogue(lang: str) -> polib.POFile:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing. {HOW_TO_FIX}"
    return polib.pofile(str(path))


def key(entry: polib.POEntry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def describe(k: tuple[str, str, str]) -> str:
    context, msgid, plural = k
    text = repr(msgid) + (f" / plural {plural!r}" if plural else "")
    return f"[{context}] {text}" if context else text


def is_translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        forms = entry.msgstr_plural
        return len(forms) >= 2 and all(value.strip() for value in forms.values())
    return bool(entry.msgstr.strip())


@pytest.fixture(scope="module")
def fresh_msgids(tmp_path_factory) -> set[tuple[str, str, str]]:
    """The strings in the source right now, extracted by makemessages into a scratch copy."""
    copy = tmp_path_factory.mktemp("i18n") / "src"

    def ignore(directory, names):
        ignored = set(shutil.ignore_patterns(*IGNORED_ANYWHERE)(directory, names))
        if Path(directory).resolve() == ROOT:
            ignored |= IGNORED_AT_TOP & set(names)
        return ignored

    shutil.copytree(ROOT, copy, ignore=ignore, symlinks=True)
    (copy / "locale").mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "training_site.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location", "-v", "0"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    fresh = polib.pofile(str(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    return {key(entry) for entry in fresh if not entry.obsolete}


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_source_string_is_translated(lang, fresh_msgids):
    po = catalogue(lang)
    translated = {
        key(entry)
        for entry in po
        if not entry.obsolete and "fuzzy" not in entry.flags and is_translated(entry)
    }
    untranslated = sorted(fresh_msgids - translated)
    if untranslated:
        pytest.fail(
            f"{len(untranslated)} interface string(s) have no {lang} translation:\n  "
            + "\n  ".join(describe(k) for k in untranslated)
            + f"\n{HOW_TO_FIX}",
            pytrace=False,
        )


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_catalogue_is_complete_and_clean(lang):
    po = catalogue(lang)
    assert po.metadata.get("Language") == lang
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    if lang in PLURAL_FORMS:
        assert po.metadata.get("Plural-Forms") == PLURAL_FORMS[lang]
    assert not po.metadata_is_fuzzy, f"The {lang} header is marked fuzzy. {HOW_TO_FIX}"

    problems = []
    for entry in po:
        label = describe(key(entry))
        if entry.obsolete:
            problems.append(f"obsolete (#~), delete it: {label}")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy, check the translation and remove the flag: {label}")
        elif not is_translated(entry):
            problems.append(f"empty translation: {label}")
        else:
            translations = (
                list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
            )
            expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
            for text in translations:
                if sorted(PLACEHOLDER.findall(text)) != expected:
                    problems.append(f"placeholders differ from the English: {label} -> {text!r}")
    if problems:
        pytest.fail(
            f"locale/{lang}/LC_MESSAGES/django.po:\n  " + "\n  ".join(problems) + f"\n{HOW_TO_FIX}",
            pytrace=False,
        )


@pytest.fixture
def compiled_catalogues(settings, tmp_path):
    """Compile the committed .po files, so the test never depends on stale .mo files."""
    for lang in TRANSLATED_LANGUAGES:
        target = tmp_path / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        catalogue(lang).save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]


@pytest.mark.parametrize(
    ("lang", "skip_link", "indicators"),
    [
        ("fr", "Aller au contenu principal", "Indicateurs"),
        ("es", "Ir al contenido principal", "Indicadores"),
    ],
)
def test_home_page_follows_the_browser_language(
    client, framework, compiled_catalogues, lang, skip_link, indicators
):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=lang)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert skip_link in html  # template string
    assert f">{indicators}</a>" in html  # Python gettext_lazy string (main navigation)
    assert "Skip to main content" not in html
