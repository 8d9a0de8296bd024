# Fixtures for .semgrep/rules/django-escaping.yml, checked by `semgrep --test` (make security).
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def mark_safe_cases(name, rows):
    # ruleid: migof-mark-safe
    mark_safe(name)
    # ruleid: migof-mark-safe
    mark_safe(f"<b>{name}</b>")
    # ruleid: migof-mark-safe
    SafeString("<b>" + name + "</b>")
    # ruleid: migof-mark-safe
    mark_safe("".join(rows))
    # ok: migof-mark-safe
    mark_safe("<br>")
    # ok: migof-mark-safe
    format_html("<b>{}</b>", name)
    # An audited place, allow-listed with its reason:
    # ok: migof-mark-safe
    mark_safe(escape(name))  # nosemgrep: migof-mark-safe -- escaped just here


def format_html_cases(name, url, items, template):
    # ruleid: migof-format-html-misuse
    format_html(f"<a href='{url}'>{name}</a>")
    # ruleid: migof-format-html-misuse
    format_html("<a href='%s'>%s</a>" % (url, name))
    # ruleid: migof-format-html-misuse
    format_html("<a href='{}'>".format(url) + "{}</a>", name)
    # ruleid: migof-format-html-misuse
    format_html(template, name)
    # ruleid: migof-format-html-misuse
    format_html("<b>" + name + "</b>")
    # ruleid: migof-format-html-misuse
    format_html_join("\n", f"<li>{name}: {{}}</li>", ((item,) for item in items))
    # ok: migof-format-html-misuse
    format_html("<a href='{}'>{}</a>", url, name)
    # ok: migof-format-html-misuse
    format_html("<a href='{url}'>{name}</a>", url=url, name=name)
    # ok: migof-format-html-misuse
    format_html_join("\n", "<li>{}</li>", ((item,) for item in items))
