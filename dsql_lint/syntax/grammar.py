"""PostgreSQL's grammar words, one list per concept: what spans (`spans.py`) and the fixers'
layouts (`locate.py`) find the parts of a statement by."""

from __future__ import annotations

# Words that start a column constraint (ColConstraintElem, or CONSTRAINT name before one).
COLUMN_CONSTRAINT_WORDS = (
    "CONSTRAINT",
    "NOT",
    "NULL",
    "DEFAULT",
    "PRIMARY KEY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "GENERATED",
    "COLLATE",
)
# Constraint attributes (ConstraintAttr: DEFERRABLE, INITIALLY DEFERRED...): they qualify the
# constraint before them, so they end a column's type but start no constraint of their own.
CONSTRAINT_ATTRIBUTE_WORDS = ("DEFERRABLE", "INITIALLY")
# Words that start a table constraint among the elements of CREATE TABLE (...).
TABLE_CONSTRAINT_WORDS = (
    "CONSTRAINT",
    "PRIMARY KEY",
    "UNIQUE",
    "FOREIGN KEY",
    "CHECK",
    "EXCLUDE",
    "LIKE",
)
