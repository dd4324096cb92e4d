"""dsql-lint: lint, fix and apply PostgreSQL migrations for Amazon Aurora DSQL."""

__version__ = "0.1.0"
