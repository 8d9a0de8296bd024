"""Database ids as requests carry them: ASCII digits, at most 18 of them.

Every such number fits a 64-bit column. `str.isdigit()` is not the test: "²" and "①" pass
it and `int()` refuses them (a server error). A longer number overflows the column: Django
returns nothing for an out-of-range value looked up on an integer field, but not on a page
type's id (its `page_ptr` link), where the database refuses it (a server error again). So
an id is checked here before any lookup, in a URL (`<id:…>`), a form field or a query string.
"""

from __future__ import annotations

import re

from django import forms

ID_PATTERN = "[0-9]{1,18}"


def parse_id(value) -> int | None:
    """The id `value` stands for, or None when it is not one."""
    text = str(value).strip()
    return int(text) if re.fullmatch(ID_PATTERN, text) else None


class IdConverter:
    """`<id:name>` in a URL pattern: a longer number, or anything else, does not match (404)."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class IdChoiceField(forms.ModelChoiceField):
    """A model choice whose value must be an id before the lookup: anything else is "not
    one of the available choices"."""

    def to_python(self, value):
        if value not in self.empty_values and parse_id(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Model choices whose values must be ids before the lookup: anything else is "not a
    valid value"."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        return super()._check_values(value)
