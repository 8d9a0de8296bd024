"""Rich text stored as the admin's editor could have written it, whoever wrote it.

Wagtail renders stored rich text as it is (it only expands its own links): what keeps a
script out of a page is the editor, which can only produce the features a field allows.
Rich text written by code (data loaders, imports, a shell) skips the editor, so every
RichTextField and every RichTextBlock inside a StreamField is cleaned when its model is
saved (`clean_rich_text_on_save`, connected to pre_save in training_site.apps), with
Wagtail's own whitelisting engine (wagtail.whitelist):

- kept: the elements the editor writes (paragraphs, headings, bold, italic, lists, links)
  with their own attributes only (a link's checked href, or Wagtail's linktype and id; a
  block's data-block-key, which the editor writes);
- dropped with their content: script, style, iframe, object and the like;
- any other element is unwrapped (its text stays), every other attribute removed (on…=
  handlers, style=""), and javascript: links lose their href.
"""

from __future__ import annotations

from functools import cache

from bs4 import BeautifulSoup
from wagtail import blocks
from wagtail.fields import RichTextField, StreamField
from wagtail.whitelist import (
    DEFAULT_ELEMENT_RULES,
    Whitelister,
    allow_without_attributes,
    attribute_rule,
    check_url,
)

_BLOCK = attribute_rule({"data-block-key": True})
_ELEMENT_RULES = {
    **{name: rule for name, rule in DEFAULT_ELEMENT_RULES.items() if name != "img"},
    "a": attribute_rule({"href": check_url, "linktype": True, "id": True}),
    # Wagtail's stored form of an image or media embed (features "image", "embed").
    "embed": attribute_rule(
        {"embedtype": True, "id": True, "format": True, "alt": True, "url": check_url}
    ),
    **dict.fromkeys(("p", "h1", "h2", "h3", "h4", "h5", "h6", "li"), _BLOCK),
    "[document]": allow_without_attributes,
}
# Elements whose content is code or a foreign document, never text to keep.
_DROPPED = {
    "script", "style", "iframe", "frame", "frameset", "object", "applet", "noscript",
    "template", "textarea", "select", "svg", "math", "link", "meta", "base", "form", "input",
}  # fmt: skip


class RichTextWhitelister(Whitelister):
    element_rules = _ELEMENT_RULES

    def clean(self, html: str) -> str:
        doc = BeautifulSoup(html, "html.parser")
        self.clean_node(doc, doc)
        return doc.decode()  # the minimal formatter: text stays as written

    def clean_tag_node(self, doc, tag) -> None:
        if tag.name in _DROPPED:
            tag.decompose()
            return
        super().clean_tag_node(doc, tag)


_whitelister = RichTextWhitelister()


def clean_html(html: str) -> str:
    """Stored rich text with nothing that could run or restyle the page. Text that holds
    nothing to remove is returned exactly as given (not re-serialised): saving it again,
    or loading the same data twice, changes nothing."""
    if not html or "<" not in html:
        return html
    cleaned = _whitelister.clean(html)
    if cleaned == BeautifulSoup(html, "html.parser").decode():
        return html
    return cleaned


# --- StreamFields ---------------------------------------------------------------------------


def _clean_block_value(block, value):
    """The value in its stored (JSON) form, with every rich text inside it cleaned."""
    if isinstance(block, blocks.RichTextBlock):
        return clean_html(value) if isinstance(value, str) else value
    if isinstance(block, blocks.StreamBlock):
        cleaned = []
        for child in value or []:
            child_block = block.child_blocks.get(child.get("type"))
            if child_block is not None and "value" in child:
                child = {**child, "value": _clean_block_value(child_block, child["value"])}
            cleaned.append(child)
        return cleaned
    if isinstance(block, blocks.StructBlock):
        if not isinstance(value, dict):
            return value
        return {
            name: _clean_block_value(block.child_blocks[name], item)
            if name in block.child_blocks
            else item
            for name, item in value.items()
        }
    if isinstance(block, blocks.ListBlock):
        cleaned = []
        for item in value or []:
            if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
                item = {**item, "value": _clean_block_value(block.child_block, item["value"])}
            else:
                item = _clean_block_value(block.child_block, item)
            cleaned.append(item)
        return cleaned
    return value


def _has_rich_text(block) -> bool:
    if isinstance(block, blocks.RichTextBlock):
        return True
    if isinstance(block, blocks.ListBlock):
        return _has_rich_text(block.child_block)
    return any(_has_rich_text(child) for child in getattr(block, "child_blocks", {}).values())


@cache
def _rich_text_fields(model) -> tuple[list, list]:
    text_fields, stream_fields = [], []
    for field in model._meta.concrete_fields:
        if isinstance(field, RichTextField):
            text_fields.append(field)
        elif isinstance(field, StreamField) and _has_rich_text(field.stream_block):
            stream_fields.append(field)
    return text_fields, stream_fields


def clean_rich_text_on_save(sender, instance, raw=False, **kwargs) -> None:
    """pre_save: the instance's rich text cleaned before it is written."""
    if raw:  # loaddata: fixtures are written as they are
        return
    text_fields, stream_fields = _rich_text_fields(sender)
    for field in text_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, str):
            setattr(instance, field.attname, clean_html(value))
    for field in stream_fields:
        value = getattr(instance, field.attname)
        stored = field.stream_block.get_prep_value(value)
        cleaned = _clean_block_value(field.stream_block, stored)
        if cleaned != stored:
            setattr(instance, field.attname, cleaned)
