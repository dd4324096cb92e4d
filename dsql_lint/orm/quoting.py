"""SQL written into a string literal of JavaScript, Python or Ruby, escaped as that literal's
syntax needs, so that the language reads back exactly the SQL `fix` wrote."""

from __future__ import annotations

import re

from dsql_lint.orm.mapped import Literal

# Ruby interpolates `#{...}`, `#@var` and `#$var` in double-quoted strings and heredocs.
_RUBY_INTERPOLATION = re.compile(r"#(?=[{@$])")


def escape(literal: Literal, sql: str) -> str | None:
    """`sql` as written inside `literal`, or None where its syntax cannot hold it (a quote in
    a raw string, a line that would end a heredoc)."""
    if literal.language == "sql":  # a SQL file's own text (psql's variables put in around)
        return sql
    if literal.language == "js":
        return _javascript(literal.quote, sql)
    if literal.language == "py":
        return _python(literal, sql)
    return _ruby(literal, sql)


def _javascript(quote: str, sql: str) -> str:
    out = sql.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\r", "\\r")
    if quote == "`":
        return out.replace("${", "\\${")  # a newline is written as it is in a template
    return out.replace("\n", "\\n").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _python(literal: Literal, sql: str) -> str | None:
    triple = len(literal.quote) == 3
    mark = literal.quote[0]
    if literal.raw:
        # A raw string has no escapes: a backslash, its quote or (on one line) a newline
        # cannot be written in it, nor a CR, which Python reads as a newline.
        if "\\" in sql or mark in sql or "\r" in sql or (not triple and "\n" in sql):
            return None
        return sql
    out = sql.replace("\\", "\\\\").replace(mark, "\\" + mark).replace("\r", "\\r")
    return out if triple else out.replace("\n", "\\n")


def _ruby(literal: Literal, sql: str) -> str | None:
    if literal.heredoc:
        # A line holding only the terminator ends the heredoc there.
        if any(line.strip() == literal.quote for line in sql.splitlines()):
            return None
        if literal.raw:  # <<~'SQL': no escapes
            return sql
        return _RUBY_INTERPOLATION.sub(r"\\#", sql.replace("\\", "\\\\"))
    if literal.quote == "'":  # only \\ and \' are escapes in a single-quoted string
        return sql.replace("\\", "\\\\").replace("'", "\\'")
    out = sql.replace("\\", "\\\\").replace('"', '\\"')
    return _RUBY_INTERPOLATION.sub(r"\\#", out)
