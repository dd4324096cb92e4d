"""`apply` and `status`: run migrations against Aurora DSQL (or PostgreSQL), with a ledger.

This package is the only place that imports boto3 and psycopg, so `check` and `fix`
never pay for them.
"""
