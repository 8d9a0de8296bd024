"""GIFT (Moodle's plain-text question format): `parse_gift` and `write_gift`.

Pure functions, no ORM. See `quizzes.formats.report` for what the caller does with the
report (save only when nothing was rejected, or on the user's explicit say-so).

Supported subset
----------------
Questions are separated by blank lines. Lines starting with `//` are comments;
`$CATEGORY:` lines are ignored with a warning (the platform files questions by indicator,
not by Moodle category).

- `::Title::` before the text; `[html]`, `[markdown]`, `[plain]`, `[moodle]` format
  markers before any text are stripped (the text is kept as written).
- Single choice: `{=right ~wrong ~wrong}` (several `=` answers: any of them is right).
  `~%50%partial` answers in a single-choice question count as wrong (warning).
- Multiple response: no `=` and weights, `{~%50%a ~%50%b ~%-50%c}`: every answer with a
  positive weight is correct, scored right-minus-wrong (each right choice earns one
  share, each wrong choice selected costs one share). Weights that differ from that rule
  give a warning.
- True/false: `{T}`, `{TRUE}`, `{F}`, `{FALSE}`, with `#feedback if wrong#feedback if right`.
- Short answer: `{=a =b}` (every answer `=`, none `~`); `*` is Moodle's wildcard.
- Matching: `{=prompt -> answer =prompt -> answer}` (at least two pairs).
- Per-answer feedback `#...`; general feedback `####...` at the end of the answer block.
- Escapes `\\~ \\= \\# \\{ \\} \\: \\\\` and `\\n` (new line).
- Text after the answer block ("missing word"): the stem becomes `before _____ after`.

Rejected, with the reason: numerical `{#...}`, essay `{}`, descriptions (text with no
answer block), unclosed or repeated answer blocks, unrecognised answer blocks, and any
question that is unusable once read (no right answer, fewer than two choices, ...).

Metadata comments (this platform's convention)
----------------------------------------------
Comment lines directly before a question (no blank line in between) may carry:

    // tags: EIU16-1.1, SDG-10.7.2-D1       -> QuestionData.tags (indicator ref ids)
    // points: 2                             -> QuestionData.points (default 1)
    // scoring: all-or-nothing               -> multiple response: PartialCredit.ALL_OR_NOTHING
    // case-sensitive: yes                   -> short answer: QuestionData.case_sensitive

Moodle's own `// [tag:EIU16-1.1]` comment tags are read too. Other comments are ignored.
A question without tags is accepted with a warning (the platform requires at least one
indicator per question; the caller decides). A tags comment followed by a blank line
belongs to no question and is ignored with a warning.

`write_gift` writes these comments, so `parse_gift(write_gift(qs))` gives back the same
questions for every kind GIFT has (all but ordering), with choice keys c1, c2, ..., pair
keys m1, m2, ... and true/false keys "true"/"false" (the keys the parser gives).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from quizzes.formats._common import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_LABEL,
    check,
    choice_key,
    excerpt,
    format_points,
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

# Escaped characters are swapped for private-use placeholders while the structure is
# parsed, then put back in every text.
_ESCAPABLE = "~=#{}:\\"
_PLACEHOLDER = {char: chr(0xF0000 + i) for i, char in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans({v: k for k, v in _PLACEHOLDER.items()})
_ESCAPE = re.compile(r"\\(.)")
_FORMAT_MARKER = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_DIRECTIVE = re.compile(r"^(tags|points|scoring|case-sensitive)\s*:\s*(.*)$", re.IGNORECASE)
_MOODLE_TAG = re.compile(r"\[tag:([^\]]+)\]")
_TRUE_FALSE = re.compile(r"(T|TRUE|F|FALSE)", re.IGNORECASE)
_BLANK = "_____"

KINDS = frozenset(QuestionKind) - {QuestionKind.ORDERING}


# --- parsing -------------------------------------------------------------------------


class _Rejected(Exception):
    pass


@dataclass
class _Meta:
    tags: list[str] = field(default_factory=list)
    points: float = 1.0
    all_or_nothing: bool = False
    case_sensitive: bool = False
    warnings: list[str] = field(default_factory=list)
    any_directive: bool = False

    def read(self, comment: str) -> None:
        body = comment.strip()[2:].strip()
        for tag in _MOODLE_TAG.findall(body):
            self.tags.append(tag.strip())
            self.any_directive = True
        match = _DIRECTIVE.match(body)
        if not match:
            return
        self.any_directive = True
        name, value = match.group(1).lower(), match.group(2).strip()
        if name == "tags":
            self.tags.extend(tag.strip() for tag in value.split(","))
        elif name == "points":
            try:
                points = float(value)
            except ValueError:
                points = -1.0
            if 0 <= points < float("inf"):
                self.points = points
            else:
                self.warnings.append(f"Ignored 'points: {value}' (not a number of points).")
        elif name == "scoring":
            normalised = value.lower().replace("_", "-").replace(" ", "-")
            if normalised == "all-or-nothing":
                self.all_or_nothing = True
            elif normalised != "right-minus-wrong":
                self.warnings.append(f"Ignored unknown 'scoring: {value}'.")
        else:
            self.case_sensitive = value.lower() in ("yes", "true", "1")


def _protect(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        char = match.group(1)
        if char == "n":
            return "\n"
        return _PLACEHOLDER.get(char, match.group(0))

    return _ESCAPE.sub(swap, text)


def _text(raw: str) -> str:
    """A text field as stored: format marker dropped, escapes restored, trimmed."""
    return _FORMAT_MARKER.sub("", raw.strip(), count=1).translate(_RESTORE).strip()


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Each run of non-blank lines, as (line number, line) pairs."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


@dataclass
class _Answer:
    marker: str  # "=" or "~"
    weight: float | None
    text: str
    feedback: str


def _answers(block: str) -> list[_Answer]:
    head, *pieces = re.split(r"(?=[=~])", block)
    if head.strip():
        raise _Rejected(
            f"Unexpected text {_text(head)!r} before the first answer: answers start with "
            "'=' (right) or '~' (wrong)."
        )
    answers = []
    for piece in pieces:
        marker, rest = piece[0], piece[1:]
        weight = None
        if match := _WEIGHT.match(rest):
            weight = float(match.group(1))
            rest = rest[match.end() :]
        text, _, feedback = rest.partition("#")
        answers.append(_Answer(marker, weight, text, feedback))
    return answers


def _choice_question(answers: list[_Answer], meta: _Meta, warnings: list[str]) -> dict:
    if any(answer.marker == "=" for answer in answers):
        choices = []
        for i, answer in enumerate(answers):
            correct = answer.marker == "="
            if not correct and answer.weight and answer.weight > 0:
                warnings.append(
                    f"Answer {_text(answer.text)!r} has a partial weight ({answer.weight:g}%); "
                    "in a single-choice question it counts as wrong."
                )
            choices.append(
                Choice(choice_key(i), _text(answer.text), correct, _text(answer.feedback))
            )
        return {"kind": QuestionKind.SINGLE_CHOICE, "choices": tuple(choices)}

    weights = [answer.weight or 0.0 for answer in answers]
    positive = [w for w in weights if w > 0]
    if not positive:
        raise _Rejected(
            "No right answer: mark it with '=' (single choice) or give the right answers "
            "positive weights like '~%50%' (multiple response)."
        )
    if not meta.all_or_nothing and (
        warning := right_minus_wrong_warning(weights, "Answer weights")
    ):
        warnings.append(warning)
    choices = tuple(
        Choice(choice_key(i), _text(answer.text), weight > 0, _text(answer.feedback))
        for i, (answer, weight) in enumerate(zip(answers, weights, strict=True))
    )
    return {
        "kind": QuestionKind.MULTIPLE_RESPONSE,
        "choices": choices,
        "partial_credit": (
            PartialCredit.ALL_OR_NOTHING if meta.all_or_nothing else PartialCredit.RIGHT_MINUS_WRONG
        ),
    }


def _matching_question(answers: list[_Answer], warnings: list[str]) -> dict:
    pairs = []
    for answer in answers:
        raw = answer.text + (f"#{answer.feedback}" if answer.feedback else "")
        prompt, arrow, target = raw.partition("->")
        if not arrow:
            raise _Rejected(f"Matching pair {_text(raw)!r} has no '->'.")
        target, _, feedback = target.partition("#")
        if feedback.strip():
            warnings.append("Feedback on matching pairs is not supported; dropped.")
        if not _text(prompt):
            warnings.append(
                f"Extra answer {_text(target)!r} (a distractor with no prompt) dropped: the "
                "platform offers the pairs' answers only."
            )
            continue
        pairs.append(MatchPair(pair_key(len(pairs)), _text(prompt), _text(target)))
    return {"kind": QuestionKind.MATCHING, "pairs": tuple(pairs)}


def _short_answer_question(answers: list[_Answer], meta: _Meta, warnings: list[str]) -> dict:
    accepted = []
    for answer in answers:
        text = _text(answer.text)
        if answer.weight is not None and answer.weight < 100:
            warnings.append(
                f"Answer {text!r} ({answer.weight:g}%) dropped: only fully right answers are kept."
            )
            continue
        if answer.feedback.strip():
            warnings.append(f"Feedback on short answer {text!r} is not supported; dropped.")
        accepted.append(text)
    return {
        "kind": QuestionKind.SHORT_ANSWER,
        "accepted_answers": unique(accepted),
        "case_sensitive": meta.case_sensitive,
    }


def _true_false_question(block: str) -> dict | None:
    value, _, feedback = block.strip().partition("#")
    if not _TRUE_FALSE.fullmatch(value.strip()):
        return None
    answer = value.strip().upper().startswith("T")
    wrong, _, right = feedback.partition("#")
    wrong, right = _text(wrong), _text(right)
    if answer:
        choices = true_false_choices(True, true_feedback=right, false_feedback=wrong)
    else:
        choices = true_false_choices(False, true_feedback=wrong, false_feedback=right)
    return {"kind": QuestionKind.TRUE_FALSE, "choices": choices}


def _parse_question(raw: str, meta: _Meta) -> tuple[str, dict, list[str]]:
    """(title, QuestionData keyword arguments, warnings); raises _Rejected."""
    warnings: list[str] = []
    text = _protect(raw).strip()
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise _Rejected("The title is not closed: write '::Title::' before the text.")
        title, text = _text(text[2:end]), text[end + 2 :]

    start = text.find("{")
    if start < 0:
        if "}" in text:
            raise _Rejected("Unmatched '}' (write '\\}' for a literal brace).")
        raise _Rejected("No answer block {…}: a GIFT description (text only) is not a question.")
    end = text.find("}", start)
    if end < 0:
        raise _Rejected("The answer block is not closed: '{' without '}'.")
    before, block, after = text[:start], text[start + 1 : end], text[end + 1 :]
    if "{" in block or "{" in after or "}" in after or "}" in before:
        raise _Rejected(
            "More than one answer block, or a stray brace (write '\\{' or '\\}' for a "
            "literal brace)."
        )
    stem = _text(before + (_BLANK + after if after.strip() else ""))

    block, _, general = block.partition("####")
    block = block.strip()
    if not block:
        raise _Rejected("Essay questions ({}) are not supported: they need manual grading.")
    if block.startswith("#"):
        raise _Rejected("Numerical questions ({#…}) are not supported.")

    if "~" in block:
        fields = _choice_question(_answers(block), meta, warnings)
    elif block.startswith("=") and "->" in block:
        fields = _matching_question(_answers(block), warnings)
    elif (true_false := _true_false_question(block)) is not None:
        fields = true_false
    elif block.startswith("="):
        fields = _short_answer_question(_answers(block), meta, warnings)
    else:
        raise _Rejected(
            "Unrecognised answer block: expected {=right ~wrong}, {T}/{F}, {=answer} or "
            "{=prompt -> answer}."
        )
    if meta.all_or_nothing and fields["kind"] != QuestionKind.MULTIPLE_RESPONSE:
        warnings.append("'scoring: all-or-nothing' applies to multiple response only; ignored.")
    if meta.case_sensitive and fields["kind"] != QuestionKind.SHORT_ANSWER:
        warnings.append("'case-sensitive' applies to short answer only; ignored.")
    fields.update(stem=stem, explanation=_text(general), title=title)
    return title, fields, warnings


def _display_title(raw: str) -> str:
    text = _protect(raw).strip()
    if text.startswith("::") and (end := text.find("::", 2)) > 0:
        return _text(text[2:end])
    return excerpt(_text(text.split("{", 1)[0]))


def parse_gift(text: str) -> ImportReport:
    """Read GIFT text into an `ImportReport` (never raises on bad input)."""
    if not isinstance(text, str):
        return ImportReport.failed("GIFT input must be text.")
    if len(text.encode("utf-8", errors="replace")) > MAX_IMPORT_BYTES:
        return ImportReport.failed(f"The file is larger than {MAX_IMPORT_LABEL}; split it.")
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        return ImportReport.failed("This is not a GIFT text file (it contains binary data).")

    report = ImportReport()
    index = 0
    for lines in _blocks(text):
        meta = _Meta()
        body: list[str] = []
        line_number = lines[0][0]
        for number, line in lines:
            stripped = line.strip()
            if stripped.startswith("//"):
                if not body:  # comments directly before the question
                    meta.read(stripped)
            elif stripped.startswith("$CATEGORY:"):
                report.warnings.append(
                    f"Line {number}: '{stripped[:80]}' ignored (categories are not "
                    "imported; questions are filed by indicator tags)."
                )
            else:
                if not body:
                    line_number = number  # where the question starts
                body.append(line)
        if not body:
            if meta.tags:
                report.warnings.append(
                    f"Line {line_number}: a tags comment not directly before a question "
                    "(blank line in between) was ignored."
                )
            continue

        index += 1
        raw = "\n".join(body)
        try:
            title, fields, warnings = _parse_question(raw, meta)
        except _Rejected as rejected:
            report.items.append(
                ImportedQuestion(
                    index=index,
                    title=_display_title(raw),
                    question=None,
                    error=f"Line {line_number}: {rejected}",
                )
            )
            continue
        question = QuestionData(points=meta.points, tags=unique(meta.tags), **fields)
        display = title or excerpt(question.stem)
        if problem := check(question):
            report.items.append(
                ImportedQuestion(index, display, None, error=f"Line {line_number}: {problem}")
            )
            continue
        warnings = meta.warnings + warnings
        if not question.tags:
            warnings.append(NO_TAGS_WARNING)
        report.items.append(ImportedQuestion(index, display, question, warnings=tuple(warnings)))

    if not report.items:
        return ImportReport.failed("No questions found in the file.")
    return report


# --- writing -------------------------------------------------------------------------

_WRITE_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "~": "\\~",
        "=": "\\=",
        "#": "\\#",
        "{": "\\{",
        "}": "\\}",
        ":": "\\:",
        "\n": "\\n",
        "\r": "",
    }
)


def _escape(text: str) -> str:
    return text.strip().translate(_WRITE_ESCAPES)


def _answer(marker: str, text: str, feedback: str = "", weight: float | None = None) -> str:
    escaped = _escape(text)
    if weight is None and escaped.startswith("%"):
        weight = 100.0 if marker == "=" else 0.0  # so the text is not read as a weight
    out = marker
    if weight is not None:
        out += f"%{weight:.5f}".rstrip("0").rstrip(".") + "%"
    out += escaped
    if feedback.strip():
        out += "#" + _escape(feedback)
    return out


def _tag_line(tags: tuple[str, ...]) -> str:
    for tag in tags:
        if "," in tag or "\n" in tag or "\r" in tag:
            raise ValueError(f"Tag {tag!r} cannot be written in GIFT (comma or new line).")
    return "// tags: " + ", ".join(tag.strip() for tag in tags)


def _write_question(question: QuestionData) -> str:
    kind = QuestionKind(question.kind)
    if kind not in KINDS:
        raise ValueError(
            f"GIFT has no {kind.value.replace('_', ' ')} questions "
            f"({question.title or excerpt(question.stem)!r}); export to Moodle XML instead."
        )
    lines = []
    if question.tags:
        lines.append(_tag_line(question.tags))
    if question.points != 1:
        lines.append(f"// points: {format_points(question.points)}")
    if kind == QuestionKind.MULTIPLE_RESPONSE and (
        question.partial_credit == PartialCredit.ALL_OR_NOTHING
    ):
        lines.append("// scoring: all-or-nothing")
    if kind == QuestionKind.SHORT_ANSWER and question.case_sensitive:
        lines.append("// case-sensitive: yes")

    marker = "[html]" if looks_like_html(question.stem) else "[plain]"
    head = (f"::{_escape(question.title)}::" if question.title.strip() else "") + marker
    head += _escape(question.stem)
    general = f"####{_escape(question.explanation)}" if question.explanation.strip() else ""

    if kind == QuestionKind.TRUE_FALSE:
        answer = true_false_answer(question)
        on_true, on_false = true_false_feedback(question)
        right, wrong = (on_true, on_false) if answer else (on_false, on_true)
        block = "TRUE" if answer else "FALSE"
        if right.strip():
            block += f"#{_escape(wrong)}#{_escape(right)}"
        elif wrong.strip():
            block += f"#{_escape(wrong)}"
        lines.append(f"{head} {{{block}{general}}}")
        return "\n".join(lines)

    if kind == QuestionKind.SINGLE_CHOICE:
        answers = [_answer("=" if c.correct else "~", c.text, c.feedback) for c in question.choices]
    elif kind == QuestionKind.MULTIPLE_RESPONSE:
        share = 100 / max(1, sum(c.correct for c in question.choices))
        answers = [
            _answer("~", c.text, c.feedback, share if c.correct else -share)
            for c in question.choices
        ]
    elif kind == QuestionKind.MATCHING:
        answers = []
        for pair in question.pairs:
            if "->" in pair.prompt:
                raise ValueError(f"Matching prompt {pair.prompt!r} cannot contain '->' in GIFT.")
            answers.append(f"={_escape(pair.prompt)} -> {_escape(pair.answer)}")
    else:  # short answer
        answers = [_answer("=", text) for text in question.accepted_answers]
    body = [head + " {", *(f"\t{a}" for a in answers)]
    if general:
        body.append(f"\t{general}")
    body.append("}")
    lines.extend(body)
    return "\n".join(lines)


def write_gift(questions: Iterable[QuestionData]) -> str:
    """GIFT text for the questions (raises ValueError for an ordering question)."""
    return "\n\n".join(_write_question(question) for question in questions) + "\n"
