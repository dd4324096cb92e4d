"""`dsql-lint fix`: rewrite SQL so that Aurora DSQL accepts it, by local edits on the source.

Layers, bottom up: `edits` (span edits and their application), `tokens` and `locate` (where
things are in a statement's text), `actions` (the fix vocabulary rules name in their `fixer:`
block), `fixers` (loading and validating those blocks), `engine` (lint, plan, apply, repeat),
`translate` (other SQL dialects to PostgreSQL first), `command` (the CLI).
"""
