"""Moodle XML (`<quiz><question type="...">`): `parse_moodle_xml` and `write_moodle_xml`.

Pure functions, no ORM. See `quizzes.formats.report` for what the caller does with the
report (save only when nothing was rejected, or on the user's explicit say-so).

Safety: the input is parsed with `defusedxml` with DTDs forbidden (Moodle XML never has
one), so entity bombs ("billion laughs"), external entities and external DTDs are
refused before anything is expanded or fetched: no network or file access. Input over
5 MB is refused. Malformed XML, undecodable bytes, a wrong root element or hostile
markup give a report with one rejected item saying why, never an exception.

Supported question types
------------------------
- `multichoice` with `<single>true</single>` -> single choice: answers with fraction 100
  are right (several are allowed: any of them is right); answers with a partial
  fraction count as wrong (warning).
- `multichoice` with `<single>false</single>` -> multiple response, right-minus-wrong:
  answers with a positive fraction are right; fractions that differ from the platform's
  scoring (each right answer 1/N, each wrong answer chosen -1/N) give a warning.
- `multichoiceset` (the "All-or-Nothing Multiple Choice" plugin) -> multiple response,
  all-or-nothing: answers with a positive fraction are right.
- `truefalse` (answers "true"/"false", fraction 100 on the right one).
- `shortanswer` (`<usecase>` 1 = case-sensitive); answers below 100 % are dropped
  (warning); `*` is Moodle's wildcard, kept as is.
- `matching` (`<subquestion><text>prompt</text><answer><text>answer</text>`); subquestions
  with no prompt (extra distractor answers) are dropped with a warning.
- `ordering` (plugin qtype_ordering): the `<answer>`s sorted by their `fraction`, which
  that plugin uses as the position in the right order.

Read: `<name><text>` (title), `<questiontext><text>` (stem, kept as HTML or text whatever
its format), `<generalfeedback>` (explanation), per-answer `<feedback>`, `<defaultgrade>`
(points), `<tags><tag><text>` (indicator tags; none gives a warning).
`<question type="category">` is skipped with a warning. Other types (essay, numerical,
calculated*, multianswer/cloze, description, drag-and-drop, random, ...) are rejected
with the reason. Embedded files (`<file>`, `@@PLUGINFILE@@`) are not imported (warning).

`write_moodle_xml` writes every kind, so `parse_moodle_xml(write_moodle_xml(qs))` gives
back the same questions, with choice keys c1, c2, ..., pair keys m1, m2, ... and
true/false keys "true"/"false" (the keys the parser gives). An all-or-nothing multiple
response is written as `multichoiceset` (Moodle needs that plugin to import it).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET  # noqa: S405 - used to build output only, never to parse
from collections.abc import Iterable
from xml.etree.ElementTree import Element  # noqa: S405 - type only

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden

from quizzes.formats._common import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_LABEL,
    check,
    choice_key,
    excerpt,
    looks_like_html,
    pair_key,
    right_minus_wrong_warning,
    true_false_answer,
    true_false_choices,
    true_false_feedback,
    unique,
)
from quizzes.formats.report import NO_TAGS_WARNING, ImportedQuestion, ImportReport
from quizzes.questions import Choice, MatchPair, PartialCredit, QuestionData, QuestionKind

_UNSUPPORTED = {
    "essay": "essay questions need manual grading",
    "numerical": "numerical questions",
    "calculated": "calculated questions",
    "calculatedsimple": "simple calculated questions",
    "calculatedmulti": "calculated multichoice questions",
    "multianswer": "embedded answers (Cloze) questions",
    "description": "a description is text, not a question",
    "ddwtos": "drag and drop into text",
    "ddimageortext": "drag and drop onto image",
    "ddmarker": "drag and drop markers",
    "gapselect": "select missing words",
    "randomsamatch": "random short-answer matching",
    "random": "random questions",
}
_SUPPORTED_TYPES = "multichoice, multichoiceset, truefalse, shortanswer, matching, ordering"


class _Rejected(Exception):
    pass


# --- parsing -------------------------------------------------------------------------


def _text(element: Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _fraction(answer: Element) -> float:
    raw = answer.get("fraction", "0")
    try:
        value = float(raw)
    except ValueError:
        raise _Rejected(f"Answer fraction {raw!r} is not a number.") from None
    if not math.isfinite(value):
        raise _Rejected(f"Answer fraction {raw!r} is not a number.")
    return value


def _choices(question: Element) -> list[tuple[str, float, str]]:
    """(text, fraction, feedback) of each <answer>."""
    return [
        (_text(answer), _fraction(answer), _text(answer.find("feedback")))
        for answer in question.findall("answer")
    ]


def _multichoice(question: Element, qtype: str, warnings: list[str]) -> dict:
    answers = _choices(question)
    single = _text(question, "single").lower() not in ("false", "0")
    if qtype == "multichoice" and single:
        choices = []
        for i, (text, fraction, feedback) in enumerate(answers):
            correct = fraction >= 99.99
            if not correct and fraction > 0:
                warnings.append(
                    f"Answer {excerpt(text)!r} gives partial credit ({fraction:g}%); in a "
                    "single-choice question it counts as wrong."
                )
            choices.append(Choice(choice_key(i), text, correct, feedback))
        return {"kind": QuestionKind.SINGLE_CHOICE, "choices": tuple(choices)}

    fractions = [fraction for _, fraction, _ in answers]
    all_or_nothing = qtype == "multichoiceset"
    if not all_or_nothing and (warning := right_minus_wrong_warning(fractions, "Answer fractions")):
        warnings.append(warning)
    choices = tuple(
        Choice(choice_key(i), text, fraction > 0, feedback)
        for i, (text, fraction, feedback) in enumerate(answers)
    )
    return {
        "kind": QuestionKind.MULTIPLE_RESPONSE,
        "choices": choices,
        "partial_credit": (
            PartialCredit.ALL_OR_NOTHING if all_or_nothing else PartialCredit.RIGHT_MINUS_WRONG
        ),
    }


def _truefalse(question: Element) -> dict:
    answer, feedback = None, {"true": "", "false": ""}
    for text, fraction, answer_feedback in _choices(question):
        value = text.lower()
        if value not in feedback:
            raise _Rejected(f"True/false answer {text!r} is neither 'true' nor 'false'.")
        feedback[value] = answer_feedback
        if fraction >= 99.99:
            answer = value == "true"
    if answer is None:
        raise _Rejected("No true/false answer has fraction 100.")
    return {
        "kind": QuestionKind.TRUE_FALSE,
        "choices": true_false_choices(answer, feedback["true"], feedback["false"]),
    }


def _shortanswer(question: Element, warnings: list[str]) -> dict:
    accepted = []
    for text, fraction, feedback in _choices(question):
        if fraction < 99.99:
            if text:
                warnings.append(
                    f"Answer {text!r} ({fraction:g}%) dropped: only fully right answers are kept."
                )
            continue
        if feedback:
            warnings.append(f"Feedback on short answer {text!r} is not supported; dropped.")
        accepted.append(text)
    return {
        "kind": QuestionKind.SHORT_ANSWER,
        "accepted_answers": unique(accepted),
        "case_sensitive": _text(question, "usecase") in ("1", "true"),
    }


def _matching(question: Element, warnings: list[str]) -> dict:
    pairs = []
    for sub in question.findall("subquestion"):
        prompt, answer = _text(sub), _text(sub.find("answer"))
        if not prompt:
            if answer:
                warnings.append(
                    f"Extra answer {answer!r} (a distractor with no prompt) dropped: the "
                    "platform offers the pairs' answers only."
                )
            continue
        pairs.append(MatchPair(pair_key(len(pairs)), prompt, answer))
    return {"kind": QuestionKind.MATCHING, "pairs": tuple(pairs)}


def _ordering(question: Element) -> dict:
    answers = _choices(question)
    ordered = sorted(enumerate(answers), key=lambda item: (item[1][1], item[0]))
    choices = tuple(
        Choice(choice_key(i), text, feedback=feedback)
        for i, (_, (text, _, feedback)) in enumerate(ordered)
    )
    return {"kind": QuestionKind.ORDERING, "choices": choices}


def _points(question: Element, warnings: list[str]) -> float:
    raw = _text(question, "defaultgrade")
    if not raw:
        return 1.0
    try:
        points = float(raw)
    except ValueError:
        points = -1.0
    if 0 <= points < math.inf:
        return points
    warnings.append(f"Default mark {raw!r} is not a number of points; 1 used.")
    return 1.0


def _parse_question(question: Element, qtype: str) -> tuple[dict, list[str]]:
    warnings: list[str] = []
    if qtype in ("multichoice", "multichoiceset"):
        fields = _multichoice(question, qtype, warnings)
    elif qtype == "truefalse":
        fields = _truefalse(question)
    elif qtype == "shortanswer":
        fields = _shortanswer(question, warnings)
    elif qtype == "matching":
        fields = _matching(question, warnings)
    elif qtype == "ordering":
        fields = _ordering(question)
    elif qtype in _UNSUPPORTED:
        raise _Rejected(f"Question type '{qtype}' is not supported ({_UNSUPPORTED[qtype]}).")
    else:
        raise _Rejected(
            f"Question type '{qtype or '(none)'}' is not supported; supported types: "
            f"{_SUPPORTED_TYPES}."
        )
    stem = _text(question.find("questiontext"))
    if question.find(".//file") is not None or "@@PLUGINFILE@@" in stem:
        warnings.append("Embedded files (images, attachments) are not imported.")
    tags = [_text(tag) for tag in question.findall("tags/tag")]
    fields.update(
        stem=stem,
        title=_text(question.find("name")),
        explanation=_text(question.find("generalfeedback")),
        points=_points(question, warnings),
        tags=unique(tags),
    )
    return fields, warnings


def _load(data: bytes) -> Element | ImportReport:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray | memoryview):
        return ImportReport.failed("Moodle XML input must be bytes.")
    if len(data) > MAX_IMPORT_BYTES:
        return ImportReport.failed(f"The file is larger than {MAX_IMPORT_LABEL}; split it.")
    if not bytes(data).strip():
        return ImportReport.failed("The file is empty.")
    try:
        root = SafeET.fromstring(bytes(data), forbid_dtd=True)
    except (DTDForbidden, EntitiesForbidden):
        return ImportReport.failed(
            "The file declares a DTD or entities, which Moodle XML never does; refused for "
            "safety (entity expansion and external references are not allowed)."
        )
    except DefusedXmlException:
        return ImportReport.failed(
            "The file uses XML features refused for safety (external references)."
        )
    except ET.ParseError as error:
        return ImportReport.failed(
            f"Not well-formed XML ({error}). Export the questions again from Moodle as "
            "'Moodle XML format', saved as UTF-8."
        )
    except (LookupError, ValueError, UnicodeError) as error:
        return ImportReport.failed(f"The file's text encoding cannot be read ({error}).")
    if root.tag != "quiz":
        return ImportReport.failed(
            f"Not a Moodle XML question file: the root element is <{root.tag}>, not <quiz>."
        )
    return root


def parse_moodle_xml(data: bytes) -> ImportReport:
    """Read a Moodle XML export into an `ImportReport` (never raises on bad input)."""
    root = _load(data)
    if isinstance(root, ImportReport):
        return root
    report = ImportReport()
    index = 0
    for question in root.findall("question"):
        qtype = (question.get("type") or "").strip().lower()
        if qtype == "category":
            category = _text(question.find("category")) or "(unnamed)"
            report.warnings.append(
                f"Category {category!r} ignored (questions are filed by indicator tags)."
            )
            continue
        index += 1
        title = _text(question.find("name")) or excerpt(_text(question.find("questiontext")))
        try:
            fields, warnings = _parse_question(question, qtype)
            imported = QuestionData(**fields)
        except _Rejected as rejected:
            report.items.append(ImportedQuestion(index, title, None, error=str(rejected)))
            continue
        if problem := check(imported):
            report.items.append(ImportedQuestion(index, title, None, error=problem))
            continue
        if not imported.tags:
            warnings.append(NO_TAGS_WARNING)
        report.items.append(ImportedQuestion(index, title, imported, warnings=tuple(warnings)))
    if not report.items:
        return ImportReport.failed("No questions found in the file.")
    return report


# --- writing -------------------------------------------------------------------------


# Characters XML 1.0 cannot hold (most C0 controls, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _sub(parent: Element, tag: str, text: str | None = None, **attrs: str) -> Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _rich(parent: Element, tag: str, text: str) -> Element:
    element = _sub(parent, tag, format="html" if looks_like_html(text) else "plain_text")
    _sub(element, "text", text)
    return element


def _answer(parent: Element, text: str, fraction: float, feedback: str = "") -> None:
    answer = _sub(parent, "answer", fraction=f"{fraction:.7f}".rstrip("0").rstrip("."))
    answer.set("format", "html" if looks_like_html(text) else "plain_text")
    _sub(answer, "text", text)
    _rich(answer, "feedback", feedback)


_TYPES = {
    QuestionKind.SINGLE_CHOICE: "multichoice",
    QuestionKind.MULTIPLE_RESPONSE: "multichoice",
    QuestionKind.TRUE_FALSE: "truefalse",
    QuestionKind.SHORT_ANSWER: "shortanswer",
    QuestionKind.MATCHING: "matching",
    QuestionKind.ORDERING: "ordering",
}


def _write_question(quiz: Element, question: QuestionData) -> None:
    kind = QuestionKind(question.kind)
    qtype = _TYPES[kind]
    all_or_nothing = (
        kind == QuestionKind.MULTIPLE_RESPONSE
        and question.partial_credit == PartialCredit.ALL_OR_NOTHING
    )
    if all_or_nothing:
        qtype = "multichoiceset"
    element = _sub(quiz, "question", type=qtype)
    name = _sub(element, "name")
    _sub(name, "text", question.title)
    _rich(element, "questiontext", question.stem)
    _rich(element, "generalfeedback", question.explanation)
    _sub(element, "defaultgrade", f"{float(question.points):.7f}")
    _sub(element, "penalty", "0")
    _sub(element, "hidden", "0")

    if kind == QuestionKind.SINGLE_CHOICE:
        _sub(element, "single", "true")
        _sub(element, "shuffleanswers", "true")
        _sub(element, "answernumbering", "abc")
        for choice in question.choices:
            _answer(element, choice.text, 100 if choice.correct else 0, choice.feedback)
    elif kind == QuestionKind.MULTIPLE_RESPONSE:
        if not all_or_nothing:
            _sub(element, "single", "false")
        _sub(element, "shuffleanswers", "true")
        _sub(element, "answernumbering", "abc")
        share = 100 / max(1, sum(choice.correct for choice in question.choices))
        for choice in question.choices:
            fraction = share if choice.correct else (0 if all_or_nothing else -share)
            _answer(element, choice.text, fraction, choice.feedback)
    elif kind == QuestionKind.TRUE_FALSE:
        answer = true_false_answer(question)
        on_true, on_false = true_false_feedback(question)
        _answer(element, "true", 100 if answer else 0, on_true)
        _answer(element, "false", 0 if answer else 100, on_false)
    elif kind == QuestionKind.SHORT_ANSWER:
        _sub(element, "usecase", "1" if question.case_sensitive else "0")
        for text in question.accepted_answers:
            _answer(element, text, 100)
    elif kind == QuestionKind.MATCHING:
        _sub(element, "shuffleanswers", "true")
        for pair in question.pairs:
            sub = _rich(element, "subquestion", pair.prompt)
            _sub(_sub(sub, "answer"), "text", pair.answer)
    else:  # ordering: the plugin stores the position in the right order as the fraction
        for tag, value in (
            ("layouttype", "VERTICAL"),
            ("selecttype", "ALL"),
            ("selectcount", "0"),
            ("gradingtype", "ALL_OR_NOTHING"),
            ("showgrading", "SHOW"),
            ("numberingstyle", "none"),
        ):
            _sub(element, tag, value)
        for position, choice in enumerate(question.choices, start=1):
            _answer(element, choice.text, position, choice.feedback)

    if question.tags:
        tags = _sub(element, "tags")
        for tag in question.tags:
            _sub(_sub(tags, "tag"), "text", tag)


def write_moodle_xml(questions: Iterable[QuestionData]) -> bytes:
    """A Moodle XML file (UTF-8 bytes) holding the questions."""
    quiz = ET.Element("quiz")
    for question in questions:
        _write_question(quiz, question)
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True) + b"\n"
