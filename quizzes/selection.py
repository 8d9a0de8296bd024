"""Which questions an attempt shows, and in what order: pure, given a random generator.

Rules
-----
- Fixed questions are always shown; a question chosen twice is shown once.
- A random draw picks `count` questions from its candidates, never one that is a fixed
  question of the quiz or already drawn; a pool smaller than `count` gives what it has.
- With shuffling, the questions are shuffled; either way, questions set on the same case
  study are then brought together (at the place of the first of them), so its scenario is
  read once, before its questions.
- Choices (single choice, multiple response) are shuffled when the quiz says so; true or
  false is always shown True first. Items to order are always shuffled, and never shown in
  the correct order; matching answers are always shuffled and never shown aligned with
  their prompts (either would give the answer away).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .questions import QuestionData, QuestionKind


@dataclass(frozen=True)
class FixedSlot:
    question_id: int


@dataclass(frozen=True)
class DrawSlot:
    count: int
    candidates: tuple[int, ...]


Slot = FixedSlot | DrawSlot


def choose_questions(
    slots: Sequence[Slot],
    *,
    rng: random.Random,
    shuffle: bool,
    case_study_of: Mapping[int, int | None],
) -> list[int]:
    fixed = {s.question_id for s in slots if isinstance(s, FixedSlot)}
    used: set[int] = set()
    chosen: list[int] = []
    for slot in slots:
        if isinstance(slot, FixedSlot):
            if slot.question_id not in used:
                used.add(slot.question_id)
                chosen.append(slot.question_id)
            continue
        pool = sorted(c for c in set(slot.candidates) if c not in used and c not in fixed)
        picked = rng.sample(pool, min(max(slot.count, 0), len(pool)))
        used.update(picked)
        chosen.extend(picked)
    if shuffle:
        rng.shuffle(chosen)
    groups: dict[tuple[str, int], list[int]] = {}
    for question_id in chosen:
        case_study = case_study_of.get(question_id)
        key = ("case", case_study) if case_study else ("question", question_id)
        groups.setdefault(key, []).append(question_id)
    return [question_id for group in groups.values() for question_id in group]


def _never_as_given(items: list, rng: random.Random) -> list:
    """A shuffled copy that differs from `items` whenever it can (two or more, distinct)."""
    shuffled = items[:]
    rng.shuffle(shuffled)
    if len(items) > 1 and shuffled == items:
        shuffled = shuffled[1:] + shuffled[:1]
    return shuffled


def display_order(question: QuestionData, *, rng: random.Random, shuffle_choices: bool) -> dict:
    """How one question is laid out in an attempt: stored with its snapshot."""
    kind = question.kind
    if kind == QuestionKind.TRUE_FALSE:
        keys = [c.key for c in question.choices]
        return {"choices": sorted(keys, key=lambda k: k != "true")}
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_RESPONSE):
        keys = [c.key for c in question.choices]
        if shuffle_choices:
            rng.shuffle(keys)
        return {"choices": keys}
    if kind == QuestionKind.ORDERING:
        return {"items": _never_as_given([c.key for c in question.choices], rng)}
    if kind == QuestionKind.MATCHING:
        prompts = [p.key for p in question.pairs]
        if shuffle_choices:
            rng.shuffle(prompts)
        answer_of = {p.key: p.answer for p in question.pairs}
        aligned = list(dict.fromkeys(answer_of[k] for k in prompts))
        answers = aligned[:]
        rng.shuffle(answers)
        if len(answers) > 1 and answers == aligned:
            answers = answers[1:] + answers[:1]
        return {"prompts": prompts, "answers": answers}
    return {}
