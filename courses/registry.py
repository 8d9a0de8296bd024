"""Which page types are items a learner completes inside a module.

Lessons are items from the start; the quizzes app adds its quiz page from its AppConfig.ready,
so this app never imports quizzes.
"""

from __future__ import annotations

_ITEM_MODELS: list[str] = ["framework_content.lessonpage"]


def register_item_model(label: str) -> None:
    """Register `app_label.modelname` (lower case) as a course item type."""
    label = label.lower()
    if label not in _ITEM_MODELS:
        _ITEM_MODELS.append(label)


def item_model_labels() -> tuple[str, ...]:
    return tuple(_ITEM_MODELS)
