"""`dsql-lint explain` by what the cluster answered: every SQLSTATE and every message that
dsql-facts.md records leads somewhere (a rule, a refused command, or a run-time answer)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsql_lint.cli import cli
from dsql_lint.errors import UserError

FACTS = Path(__file__).resolve().parents[2] / "shared" / "dsql-facts.md"
if not FACTS.is_file():
    FACTS = Path("/work/shared/dsql-facts.md")
# PostgreSQL's SQLSTATE classes (Appendix A) and DSQL's own OC class: a five-character word of
# one of these is a SQLSTATE, not a number such as 65536.
CLASSES = set(
    [
        "00",
        "01",
        "02",
        "03",
        "08",
        "09",
        "0A",
        "0B",
        "0F",
        "0L",
        "0P",
        "0Z",
        "20",
        "21",
        "22",
        "23",
        "24",
        "25",
        "26",
        "27",
        "28",
        "2B",
        "2D",
        "2F",
        "34",
        "38",
        "39",
        "3B",
        "3D",
        "3F",
        "40",
        "42",
        "44",
        "53",
        "54",
        "55",
        "57",
        "58",
        "72",
        "F0",
        "HV",
        "P0",
        "XX",
        "OC",
    ]
)


def facts() -> str:
    return FACTS.read_text(encoding="utf-8") if FACTS.is_file() else ""


def sqlstates() -> list[str]:
    words = re.findall(r"(?<![\w.,-])[0-9A-Z]{5}(?![\w,-])", facts())
    return sorted({w for w in words if w[:2] in CLASSES})


def answered_messages() -> list[str]:
    """The backquoted messages of the "What the cluster answers" table's message column."""
    section = facts().partition("## What the cluster answers")[2].partition("\n## ")[0]
    found = []
    for row in section.splitlines():
        cells = row.split(" | ")
        if row.startswith("|") and len(cells) >= 3 and not set(cells[1]) <= set("-|"):
            listed = re.search(r"\(([\w, ]+)\)", cells[-1])
            for message in re.findall(r"`([^`]+)`", cells[-1]):
                # `<Node>` stands for the words listed after it: each is an answer.
                if "<" in message and listed:
                    names = listed.group(1).split(", ")
                    found += [re.sub(r"<[^>]*>", name, message) for name in names]
                else:
                    found.append(message)
    return found


def explain(text: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["explain", text])
    if isinstance(result.exception, UserError):
        return 2, str(result.exception)
    return result.exit_code, result.output


skip = pytest.mark.skipif(not FACTS.is_file(), reason="shared/dsql-facts.md not present")


@skip
def test_the_facts_are_read() -> None:
    assert {"0A000", "40001", "54000", "OC000", "OC001", "53300", "XX000"} <= set(sqlstates())
    assert "unsupported mode. please use CREATE INDEX ASYNC." in answered_messages()


@skip
@pytest.mark.parametrize("sqlstate", sqlstates())
def test_every_recorded_sqlstate_is_explained(sqlstate: str) -> None:
    code, out = explain(sqlstate)
    assert code == 0 and sqlstate in out, out


@skip
@pytest.mark.parametrize("message", answered_messages())
def test_every_recorded_message_is_explained(message: str) -> None:
    code, out = explain(f"ERROR:  {message}")
    assert code == 0, out


@pytest.mark.parametrize(
    ("said", "words"),
    [
        ("change conflicts with another transaction, please retry: (OC000)", "write conflict"),
        ("OC001", "schema (catalog) conflict"),
        ("foreign key constraints not supported", "DSQL201"),
        ("unsupported statement type: MERGE", "MERGE: MERGE is not supported"),
        ("unsupported statement: CreateTableSpace", "see `dsql-lint explain DSQL507`"),
    ],
)
def test_runtime_errors_and_refusals(said: str, words: str) -> None:
    code, out = explain(said)
    assert code == 0 and words in out, out


def test_an_unknown_error_is_still_refused() -> None:
    assert explain("no such thing at all")[0] == 2


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("datatype integer not supported, identity column type must be bigint", "DSQL155"),
        ("datatype integer[] not supported", "DSQL102"),
        ("datatype inet not supported", "DSQL105"),
    ],
)
def test_the_rule_whose_answer_spells_the_message_is_the_one_explained(
    said: str, code: str
) -> None:
    """DSQL105's `datatype <type> not supported` fits the first two messages too, but only
    as a pattern whose `<type>` takes what another rule's answer spells."""
    status, out = explain(f"ERROR:  {said}")
    assert status == 0 and f"# {code} " in out.splitlines()[0], out


@pytest.mark.parametrize(
    "said",
    [
        "SQLSTATE 54000",
        "sqlstate: 54000",
        "ERROR:  54000: transaction row limit exceeded",
        "transaction row limit exceeded (SQLSTATE 54000)",
    ],
)
def test_a_sqlstate_is_read_as_logs_print_it(said: str) -> None:
    status, out = explain(said)
    assert status == 0 and "DSQL717" in out and "DSQL718" in out, out
