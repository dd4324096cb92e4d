"""`dsql-lint init`: the files that set a project up for Aurora DSQL, each merged into what is
there (never overwritten without --force)."""
