"""Reading SQL: sources, statements with exact offsets, the DSQL dialect, parse trees, tokens
and spans."""
