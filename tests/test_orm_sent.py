"""Each ORM reader's SQL is the SQL its framework sends: a migration using the constructs a
reader knows gets the same findings as the statements the framework's PostgreSQL backend
writes for it (`rails db:migrate`, `alembic upgrade --sql`, `manage.py sqlmigrate`), written
out in a .sql file beside it, so that every SQL rule applies to the migration."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.settings import LintOptions

SENT = Path(__file__).resolve().parents[1] / "fixtures" / "frameworks" / "sent"
MIGRATIONS = {
    "rails": SENT / "rails" / "db" / "migrate" / "20240101000000_constructs.rb",
    "alembic": SENT / "alembic" / "versions" / "c0ffee000001_constructs.py",
    "django": SENT / "django" / "shop" / "migrations" / "0001_constructs.py",
}


def codes(path: Path) -> Counter[str]:
    """The findings on the SQL itself: the runner's own statements (DSQL406/407), which the
    framework's SQL output does not hold, are tests/test_runners.py's."""
    found = lint_paths([str(path)], LintOptions()).diagnostics
    return Counter(d.code for d in found if d.code not in ("DSQL406", "DSQL407"))


@pytest.mark.parametrize("reader", sorted(MIGRATIONS))
def test_a_migration_gets_the_findings_of_the_sql_its_framework_sends(reader: str) -> None:
    sent = codes(SENT / f"{reader}.sql")
    assert sent["DSQL601"], "the constructs include ADD COLUMN ... DEFAULT"
    assert codes(MIGRATIONS[reader]) == sent
