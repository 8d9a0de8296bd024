"""What an import found: one `ImportedQuestion` per question in the file, accepted or not.

The parsers (`parse_gift`, `parse_moodle_xml`) never raise on bad input and never save
anything: they return an `ImportReport`. Saving policy for the caller (the question bank
import view or command):

- An import never half-succeeds silently. Save the accepted questions only when
  `report.ok` (no rejected item), or when the user, having been shown every rejected item
  and its `error`, explicitly chooses to import the accepted part only.
- A file that could not be read at all (too large, malformed XML, hostile XML, no
  questions) gives a report with one rejected item at `index` 0 carrying the reason, so
  that case goes through the same rule.
- Warnings (`ImportedQuestion.warnings`, `ImportReport.warnings`) never block an import;
  show them. In particular a question without indicator tags is accepted with a warning
  (`NO_TAGS_WARNING`): the platform requires at least one indicator per question, and the
  caller decides whether to ask for tags before saving.

Texts (stems, choices, feedback) are returned as found in the file, HTML included: they
must be sanitised like any rich text before they are rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quizzes.questions import QuestionData

NO_TAGS_WARNING = (
    "No indicator tags: the platform needs at least one indicator per question; "
    "add them before or after saving."
)


@dataclass(frozen=True)
class ImportedQuestion:
    index: int  # 1-based position among the file's questions; 0 = the file as a whole
    title: str  # for display: the question's title, else the start of its text
    question: QuestionData | None  # None when rejected
    error: str = ""  # why it was rejected
    warnings: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.question is not None and not self.error


@dataclass
class ImportReport:
    items: list[ImportedQuestion] = field(default_factory=list)
    # About the file rather than one question (ignored categories, stray tag comments).
    warnings: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> list[ImportedQuestion]:
        return [item for item in self.items if item.accepted]

    @property
    def rejected(self) -> list[ImportedQuestion]:
        return [item for item in self.items if not item.accepted]

    @property
    def ok(self) -> bool:
        """True when nothing was rejected: the whole file can be saved."""
        return not self.rejected

    @property
    def questions(self) -> list[QuestionData]:
        """The accepted questions, in file order."""
        return [item.question for item in self.items if item.accepted]

    @classmethod
    def failed(cls, error: str) -> ImportReport:
        """The file as a whole could not be read: one rejected item saying why."""
        return cls(items=[ImportedQuestion(index=0, title="", question=None, error=error)])
