"""The schema model's column types: a bare type's SQL, cached by its name, is what generating
the column's type gives, on every column of the fixtures and the corpus."""

from __future__ import annotations

from pathlib import Path

from helpers import FIXTURES, parsed_statements
from sqlglot import exp

from dsql_lint.lint.schema import _postgres, _type_of

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def test_column_types_equal_their_generated_sql() -> None:
    paths = sorted(FIXTURES.rglob("*.sql")) + sorted(CORPUS.rglob("*.sql"))
    differ, columns = [], 0
    for path, p in parsed_statements(paths):
        for column in p.tree.find_all(exp.ColumnDef):
            kind = column.args.get("kind")
            if isinstance(kind, exp.Expr):
                columns += 1
                if _type_of(column) != _postgres(kind):
                    differ.append(f"{path.name}:{p.statement.line} {_postgres(kind)}")
    assert differ == []
    assert columns > 1000
