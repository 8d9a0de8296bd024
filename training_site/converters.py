"""Path converters for the site's URLs."""

from __future__ import annotations


class IdConverter:
    """A database id: at most 18 digits, so it fits a 64-bit column. A longer number does
    not match (404). Django returns nothing for an out-of-range integer looked up on an
    integer field, but a page type's id is its `page_ptr` link, which it does not check:
    the database refuses the value, which was a server error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
