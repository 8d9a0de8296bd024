"""Plain text for the guidance index: from HTML, from StreamField values and from PDF files.

Pure functions with no database access: a StreamField is read from its raw JSON, never
rendered, so indexing a lesson neither queries the snippets and images it chooses nor fetches
the videos it embeds. Every extractor is bounded and returns "" rather than raising.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import IO, Any

from wagtail import blocks

logger = logging.getLogger("search.indexing")

# A PDF gives at most this much text: the index stays small and a huge report cannot stall
# the worker that reads it.
PDF_MAX_PAGES = 200
PDF_MAX_CHARS = 200_000

# Tags that separate words: text on either side of them never runs together.
_BREAKING_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div",
        "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "img", "embed", "li", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Their content is never text a person reads.
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})
_WHITESPACE = re.compile(r"\s+")


def collapse(text: str) -> str:
    """One space between words, none at the ends."""
    return _WHITESPACE.sub(" ", text).strip()


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str | None) -> str:
    """The words of an HTML fragment: tags removed, entities unescaped, whitespace collapsed.

    Block-level tags (paragraphs, list items, headings, cells, line breaks) keep the words on
    either side apart; inline tags (bold, links) do not split a word.
    """
    if not html:
        return ""
    parser = _TextParser()
    try:
        parser.feed(str(html))
        parser.close()
    except Exception:  # HTMLParser is lenient; this guards against the unforeseen
        logger.warning("Could not parse HTML for indexing; its tags are stripped crudely.")
        return collapse(re.sub(r"<[^>]*>", " ", str(html)))
    return collapse("".join(parser.parts))


def join_text(parts: Iterable[str | None]) -> str:
    """Non-empty parts, each collapsed, one space apart."""
    return " ".join(filter(None, (collapse(p) for p in parts if p)))


def _block_text(block: blocks.Block, raw: Any) -> Iterator[str]:
    """Text of one block's raw (JSON) value, following the block's definition."""
    if raw is None or not getattr(block, "search_index", True):
        return
    if isinstance(block, blocks.StreamBlock):
        yield from _stream_items_text(block, raw)
    elif isinstance(block, blocks.StructBlock):
        if isinstance(raw, dict):
            for name, child in block.child_blocks.items():
                yield from _block_text(child, raw.get(name))
    elif isinstance(block, blocks.ListBlock):
        for item in raw if isinstance(raw, list) else ():
            # Since Wagtail 2.16 list items are {"type": "item", "value": ..., "id": ...}.
            if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
                item = item["value"]
            yield from _block_text(block.child_block, item)
    elif isinstance(block, blocks.RichTextBlock):
        yield html_to_text(raw if isinstance(raw, str) else getattr(raw, "source", ""))
    elif isinstance(block, (blocks.CharBlock, blocks.TextBlock)):
        # CharBlock covers headings; URL, email, choice and chooser blocks hold no prose.
        if isinstance(raw, str):
            yield raw


def _stream_items_text(stream_block: blocks.StreamBlock, items: Any) -> Iterator[str]:
    for item in items if isinstance(items, Iterable) else ():
        if not isinstance(item, dict):
            continue
        child = stream_block.child_blocks.get(item.get("type"))
        if child is not None:
            yield from _block_text(child, item.get("value"))


def stream_to_text(value: Any) -> str:
    """The prose of a StreamField value (headings, rich text, text and char blocks, the text
    inside struct and list blocks), read from its raw data without rendering or queries."""
    if not value:
        return ""
    stream_block = getattr(value, "stream_block", None)
    if stream_block is None:
        return ""
    return join_text(_stream_items_text(stream_block, value.raw_data))


def pdf_text(
    file: IO[bytes] | Any,
    *,
    max_pages: int = PDF_MAX_PAGES,
    max_chars: int = PDF_MAX_CHARS,
) -> str:
    """The text of a PDF: at most `max_pages` pages and `max_chars` characters.

    `file` is a binary file object or a Django `File`/`FieldFile` (opened and closed here).
    A PDF that cannot be read (broken, encrypted with a password, missing from storage) gives
    "" and a warning in the log: indexing never fails because of a file. A PDF protected
    only by an owner password (printing or copying restrictions) opens with the empty user
    password, as in any PDF reader, and is read.
    """
    from pypdf import PasswordType, PdfReader

    name = getattr(file, "name", "") or "<stream>"
    try:
        from_storage = hasattr(file, "storage")  # a FieldFile: opened (and closed) here
        handle = file.open("rb") if from_storage else file
        try:
            reader = PdfReader(handle)
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                logger.warning(
                    "PDF %s is encrypted with a password: its text is not indexed.", name
                )
                return ""
            parts: list[str] = []
            size = 0
            for number, page in enumerate(reader.pages):
                if number >= max_pages or size >= max_chars:
                    break
                try:
                    text = collapse(page.extract_text() or "")
                except Exception:
                    logger.warning("PDF %s: page %d could not be read; skipped.", name, number + 1)
                    continue
                if text:
                    parts.append(text)
                    size += len(text) + 1
        finally:
            if from_storage:
                handle.close()
    except Exception:
        logger.warning("PDF %s could not be read: its text is not indexed.", name, exc_info=True)
        return ""
    return " ".join(parts)[:max_chars].strip()
