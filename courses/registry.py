"""Which page types are items a learner completes inside a module.

Lessons are items from the start, completed with a button; the quizzes app adds its quiz
page from its AppConfig.ready, completed only by passing it (so this app never imports
quizzes).
"""

from __future__ import annotations

_ITEM_MODELS: dict[str, bool] = {"framework_content.lessonpage": True}


def register_item_model(label: str, *, completed_by_learner: bool = True) -> None:
    """Register `app_label.modelname` as a course item type.

    `completed_by_learner`: the learner marks it done (a lesson); False when another app
    records completion through `services.record_item_passed` (a quiz).
    """
    _ITEM_MODELS[label.lower()] = completed_by_learner


def item_model_labels() -> tuple[str, ...]:
    return tuple(_ITEM_MODELS)


def completed_by_learner(label: str) -> bool:
    return _ITEM_MODELS.get(label.lower(), False)
