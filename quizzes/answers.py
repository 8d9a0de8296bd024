"""Learner answers from a submitted form, checked against what the attempt showed. Pure.

The attempt form names its fields after each question's position in the attempt:

- `q<N>-shown`: present for every question on the form (so an unticked set of boxes
  reads as "nothing selected", not "not sent");
- `q<N>`: the chosen choice key (single choice, true or false; several values for multiple
  response), or the typed text (short answer);
- `q<N>-<pair key>`: the index of the chosen answer in the shown list (matching);
- `q<N>-<item key>`: the position, 1..n, given to an item (ordering).

Stored answers: a key or None; a list of keys; text or None; a dict pair key -> answer
text or None; a dict item key -> position or None. `gradable()` turns a stored answer into
what `grading.grade` expects. Anything that cannot have come from the form as shown (an
unknown key, a question not in the attempt, a position out of range) raises
`InvalidAnswers` with a message for the learner; nothing is then saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _

from training_site.ids import parse_id

from .grading import MAX_TEXT_LENGTH
from .questions import QuestionKind

_FIELD = re.compile(r"^q(\d{1,4})(?:-(.+))?$")


class InvalidAnswers(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _one(values: Sequence[str], number: int) -> str | None:
    values = [v for v in values if v != ""]
    if len(values) > 1:
        raise InvalidAnswers(_("Question %(n)s accepts one answer only.") % {"n": number})
    return values[0] if values else None


def _parse(kind: str, display: dict, fields: dict[str | None, list[str]], number: int):
    unknown = _("Question %(n)s received an answer that was not one of its choices.") % {
        "n": number
    }
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.TRUE_FALSE):
        if set(fields) - {None}:
            raise InvalidAnswers(unknown)
        key = _one(fields.get(None, []), number)
        if key is not None and key not in display["choices"]:
            raise InvalidAnswers(unknown)
        return key
    if kind == QuestionKind.MULTIPLE_RESPONSE:
        if set(fields) - {None}:
            raise InvalidAnswers(unknown)
        keys = set(fields.get(None, []))
        if keys - set(display["choices"]):
            raise InvalidAnswers(unknown)
        return [k for k in display["choices"] if k in keys]
    if kind == QuestionKind.SHORT_ANSWER:
        if set(fields) - {None}:
            raise InvalidAnswers(unknown)
        text = _one(fields.get(None, []), number)
        if text is not None and len(text) > MAX_TEXT_LENGTH:
            raise InvalidAnswers(
                _("Your answer to question %(n)s is longer than %(max)s characters.")
                % {"n": number, "max": MAX_TEXT_LENGTH}
            )
        return text.strip() or None if text is not None else None
    if kind == QuestionKind.MATCHING:
        prompts, answers = display["prompts"], display["answers"]
        if None in fields or set(fields) - set(prompts):
            raise InvalidAnswers(unknown)
        chosen: dict[str, str | None] = {}
        for key in prompts:
            value = _one(fields.get(key, []), number)
            if value is None:
                chosen[key] = None
            elif (index := parse_id(value)) is not None and index < len(answers):
                chosen[key] = answers[index]
            else:
                raise InvalidAnswers(unknown)
        return chosen if any(v is not None for v in chosen.values()) else None
    if kind == QuestionKind.ORDERING:
        items = display["items"]
        if None in fields or set(fields) - set(items):
            raise InvalidAnswers(unknown)
        ranks: dict[str, int | None] = {}
        for key in items:
            value = _one(fields.get(key, []), number)
            if value is None:
                ranks[key] = None
            elif (rank := parse_id(value)) is not None and 1 <= rank <= len(items):
                ranks[key] = rank
            else:
                raise InvalidAnswers(
                    _("Question %(n)s: give each item a position from 1 to %(max)s.")
                    % {"n": number, "max": len(items)}
                )
        return ranks if any(v is not None for v in ranks.values()) else None
    raise InvalidAnswers(unknown)


def parse_answers(
    shown: Mapping[int, tuple[str, dict]], data: Mapping[str, Sequence[str]]
) -> dict[int, object]:
    """The answers in `data` (field name -> values) for the questions marked shown.

    `shown` maps each position in the attempt to its (kind, display). Returns position ->
    stored answer, only for the positions the form marked shown.
    """
    by_position: dict[int, dict[str | None, list[str]]] = {}
    marked: set[int] = set()
    for name, values in data.items():
        match = _FIELD.match(name)
        if not match:
            continue
        position, part = int(match.group(1)), match.group(2)
        if position not in shown:
            raise InvalidAnswers(
                _("An answer was sent for a question that is not in this attempt.")
            )
        if part == "shown":
            marked.add(position)
        else:
            by_position.setdefault(position, {})[part] = list(values)
    if set(by_position) - marked:
        raise InvalidAnswers(_("An answer was sent for a question that is not on this form."))
    return {
        position: _parse(*shown[position], by_position.get(position, {}), position)
        for position in sorted(marked)
    }


def gradable(kind: str, answer: object) -> object:
    """A stored answer as the grader takes it."""
    if kind == QuestionKind.ORDERING:
        if not isinstance(answer, dict):
            return None
        ranks = list(answer.values())
        if None in ranks or sorted(ranks) != list(range(1, len(ranks) + 1)):
            return None  # not a complete order: no credit
        return [key for key, _rank in sorted(answer.items(), key=lambda kv: kv[1])]
    return answer


def is_answered(answer: object) -> bool:
    return answer not in (None, "", [], {})
