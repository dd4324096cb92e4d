"""A node's path from the root finds the same node again, in the tree or in a new parse of
the statement (how catalog findings are built after a parallel run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsql_lint.syntax.nodepath import node_at, node_path
from dsql_lint.syntax.parse import parse
from dsql_lint.syntax.source import read_source
from dsql_lint.syntax.split import split

FIXTURES = sorted((Path(__file__).parent.parent / "fixtures" / "rules").glob("DSQL[2-8]*/*.sql"))


@pytest.mark.parametrize("path", FIXTURES[:60], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_node_is_found_again_by_its_path(path: Path) -> None:
    for statement in split(read_source(str(path))):
        first, again = parse(statement), parse(statement)
        if first.tree is None:
            continue
        for node in first.tree.walk():
            where = node_path(node)
            assert node_at(first.tree, where) is node
            found = node_at(again.tree, where)
            assert found is not None and found == node


def test_a_path_that_leads_nowhere_gives_none() -> None:
    statement = split(read_source(str(FIXTURES[0])))[0]
    tree = parse(statement).tree
    assert tree is not None
    assert node_at(tree, (("no_such_arg", None),)) is None
    assert node_at(tree, (("expressions", 999),)) is None
