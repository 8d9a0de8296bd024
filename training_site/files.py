"""Files a model keeps under one name of its own."""

from __future__ import annotations

from django.core.files.base import ContentFile


def save_replacing(field_file, name: str, content: bytes) -> None:
    """Store `content` in `field_file` (not saving its model) under exactly `name` (the
    field's folder in front): a file left under that name, by a run killed after storing
    it but before its transaction committed, is replaced rather than kept beside a second
    copy (`<name>_<random>`). The caller holds the row's lock, so no other run writes
    this name meanwhile."""
    field_file.storage.delete(field_file.field.generate_filename(field_file.instance, name))
    field_file.save(name, ContentFile(content), save=False)
