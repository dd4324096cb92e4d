"""PostgreSQL forms sqlglot's Postgres parser lacks, read into the tree by token rewrites.

Each form keeps its tokens' positions (dropped or retyped tokens, never new text), and records
what it removed on the tree, where the DSQL generator prints it back (see dialect.py):

    INSERT ... OVERRIDING SYSTEM|USER VALUE    exp.Insert args["overriding"] = "SYSTEM" | "USER"
    box '(0,0,1,1)', cidr '10.0/8', ...        exp.Cast to the type, as sqlglot reads point '...'
    a <<| b, a ~= b, a ~<~ b, ...              exp.Operator with args["bare"]: printed as written
    DROP INDEX [CONCURRENTLY] a, b             exp.Drop(kind="INDEX") with several tables;
    DROP SEQUENCE|TYPE|SCHEMA a, b             the same with their kind
    COMMENT ON ... IS NULL                     exp.Comment whose expression is exp.Null
    GENERATED ALWAYS AS (e) [VIRTUAL]          exp.ComputedColumnConstraint, as for STORED, with
                                               args["virtual"] (True when the word is written)
    PARTITION BY RANGE (a point_ops)           the key is exp.Opclass(column, Table(point_ops)),
                                               as in an index's column list
    CREATE FUNCTION f(text[], timestamp with time zone)
                                               unnamed parameters become exp.DataType nodes
    CREATE FUNCTION f(a int = 1)               a default, as for `a int DEFAULT 1`
    CHECK (e) NO INHERIT NOT VALID             exp.CheckColumnConstraint args["no_inherit"],
                                               args["not_valid"]
    CREATE TABLE t (...) WITH (oids)           a bare storage parameter: exp.Property whose
    CREATE VIEW v WITH (security_barrier)      value is TRUE, args["bare"]: printed as written
    c text COMPRESSION pglz                    exp.CompressColumnConstraint (sqlglot's COMPRESS),
                                               printed as COMPRESSION
    bit varying(3)                             the one type name varbit, as PostgreSQL reads it
    PARTITION OF p (c WITH OPTIONS ...)        exp.ColumnDef args["with_options"]; a column of
                                               no type may start with GENERATED
    FOR VALUES IN ('a' < 'b')                  a bound that is a comparison, read as if in
                                               parentheses (sqlglot reads only those)
    a <<< b, x %% 2, a ### b                   any run of operator characters PostgreSQL reads
                                               as one operator: exp.Operator, args["bare"]
    a JOIN b USING (i) AS x                    exp.Join args["using_alias"] = "x"
    JSON_ARRAY(a, b ABSENT ON NULL RETURNING jsonb)
                                               exp.Anonymous, its trailing clauses as written
                                               in args["json_clauses"]
    UPDATE|DELETE ... WHERE CURRENT OF c       exp.Anonymous CURRENT_OF(c) with
                                               args["current_of"]: printed as written
    WHERE a = :'v' AND :"c" = 1 AND :{?d}      psql's variables: the colon dropped, the quoted
                                               name stands for what psql puts there; `:{?d}`
                                               (whether d is set) the name d alone
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from dsql_lint.syntax import (
    ddl_forms,
    dml_forms,
    json_forms,
    query_forms,
    routine_args,
    utility_forms,
    xml_forms,
)
from dsql_lint.syntax.brackets import closing

OVERRIDING = "overriding"
BARE = "bare"
VIRTUAL = "virtual"
NO_INHERIT = "no_inherit"
NOT_VALID = "not_valid"
WITH_OPTIONS = "with_options"
CURRENT_OF = "current_of"
USING_ALIAS = "using_alias"
JSON_CLAUSES = "json_clauses"
MODE_AFTER_NAME = "mode_after_name"

Fixup = Callable[[Any], Any]

# PostgreSQL operators the Postgres tokenizer does not know (geometric, pattern-ops): one
# OPERATOR-typed token each, expanded to sqlglot's `OPERATOR(op)` form before parsing.
OPERATORS = (
    "<<|", "|>>", "&<|", "|&>", "<^", ">^", "~=", "~<~", "~<=~", "~>=~", "~>~", "@-@",
)  # fmt: skip
# Geometric types sqlglot does not read in `type 'literal'` form.
# Built-in types sqlglot does not read in `type 'literal'` form: geometric, network, text
# search and the others (a name that is no type, such as PASSWORD 'x', never matches).
_TYPED_LITERALS = frozenset(
    {"box", "circle", "line", "lseg", "path", "polygon", "cidr", "macaddr", "macaddr8",
     "pg_lsn", "txid_snapshot", "pg_snapshot", "jsonpath", "tsquery", "tsvector"}
)  # fmt: skip
# Led by the `o` and its case, not `\b`: the search then skips to each o at C speed.
_OVERRIDING = re.compile(r"[oO](?<!\w[oO])verriding\b", re.IGNORECASE)
_SEARCH_CYCLE = re.compile(r"\)\s*(?:search\s+(?:depth|breadth)|cycle)\b", re.IGNORECASE)
_FIRST = frozenset(
    {TokenType.INSERT, TokenType.MERGE, TokenType.WITH, TokenType.DROP, TokenType.COMMENT,
     TokenType.CREATE, TokenType.ALTER, TokenType.UPDATE, TokenType.DELETE}
)  # fmt: skip
_QUOTED = frozenset({TokenType.STRING, TokenType.IDENTIFIER})
_IS_SET = (TokenType.L_BRACE, TokenType.PLACEHOLDER, TokenType.VAR, TokenType.R_BRACE)
_FUNCTION_MODES = frozenset({"IN", "OUT", "INOUT", "VARIADIC"})


def _retyped(token: Token, token_type: TokenType, text: str) -> Token:
    return Token(token_type, text, token.line, token.col, token.start, token.end, token.comments)


def _upper(token: Token | None) -> str | None:
    if token is None or token.token_type in (TokenType.IDENTIFIER, TokenType.STRING):
        return None
    return token.text.upper()


def needs_rewrite(types: list[TokenType]) -> bool:
    """A cheap test (C-speed membership) for statements `rewrite` may change."""
    return (
        (bool(types) and types[0] in _FIRST)
        or TokenType.OPERATOR in types
        or TokenType.BIT in types
        or TokenType.STRING in types
        or TokenType.COLON in types
        or TokenType.USING in types
        or TokenType.TABLE_SAMPLE in types
        or (TokenType.WITH in types and TokenType.VALUES in types)
        or TokenType.ESCAPE in types
    )


def rewrite(
    tokens: list[Token], sql: str, fixups: list[Fixup], sub_parser: Callable[[], Any]
) -> list[Token]:
    """The statement's tokens with the forms above made Postgres-parsable."""
    types = [t.token_type for t in tokens]
    kinds = set(types)  # the tests below, each a scan of the list
    if TokenType.USING in kinds and sql:
        tokens = query_forms.order_using(tokens, types, sql, fixups)
    if TokenType.TABLE_SAMPLE in kinds:
        tokens = query_forms.tablesample_arguments(tokens, fixups, sub_parser)
    if TokenType.ESCAPE in kinds:
        tokens = query_forms.substring_similar(tokens, fixups)
    if TokenType.COLON in kinds:
        tokens = _psql_variables(tokens)
    if TokenType.OPERATOR in kinds:
        tokens = _operators(tokens, fixups)
    if TokenType.STRING in kinds:
        tokens = _typed_literals(tokens)
    if TokenType.BIT in kinds:
        tokens = _bit_varying(tokens)
    if TokenType.USING in kinds and TokenType.ALIAS in kinds:
        tokens = _join_using_aliases(tokens, fixups)
    first = types[0]
    if (
        TokenType.WITH in kinds
        and sql
        and _SEARCH_CYCLE.search(sql, tokens[0].start, tokens[-1].end + 1)
    ):
        tokens = dml_forms.search_cycle(tokens, sql, fixups)
    if TokenType.WITH in types and TokenType.VALUES in types:
        tokens = query_forms.with_values(tokens, [t.token_type for t in tokens], fixups)
    if first is TokenType.MERGE and TokenType.JOIN in types:
        tokens = query_forms.merge_joined_source(tokens, [t.token_type for t in tokens], fixups)
    if first in (TokenType.INSERT, TokenType.MERGE, TokenType.WITH) and sql:
        # An INSERT's OVERRIDING comes before its rows: a long VALUES list is not searched
        # (nor the rows of the statement that a chunk's tokens skip, see rows.py).
        end = tokens[-1].end + 1
        if first is TokenType.INSERT and TokenType.VALUES in kinds:
            values = (t.start for t in tokens if t.token_type is TokenType.VALUES)
            end = next(values, end)
        if _OVERRIDING.search(sql, tokens[0].start, end):
            tokens = _overriding(tokens, fixups)
        if TokenType.INTO in kinds and (TokenType.L_BRACKET in kinds or TokenType.DOT in kinds):
            tokens = dml_forms.insert_targets(tokens, fixups, sub_parser)
    elif first in (TokenType.UPDATE, TokenType.DELETE):
        if sql and _CURRENT_OF.search(sql, tokens[0].start, tokens[-1].end + 1):
            tokens = _current_of(tokens, fixups)
    elif first is TokenType.DROP:
        tokens = utility_forms.drop_database_options(tokens, sql, fixups)
        tokens = _drop_several(tokens, fixups)
        if TokenType.MOD in types:
            tokens = routine_args.column_types(tokens)
        tokens = routine_args.drop_routines(tokens, fixups, sub_parser)
    elif first is TokenType.COMMENT:
        tokens = _comment_null(tokens, fixups)
    elif first is TokenType.CREATE:
        words = _Words(tokens, sql)
        if words.has("generated"):
            tokens = _virtual(tokens, fixups)
        if TokenType.MOD in types:
            tokens = routine_args.column_types(tokens)
        tokens = _function_types(tokens, fixups, sub_parser)
        if words.has("partition"):
            tokens = _partition_opclasses(tokens, fixups)
        if words.has("inherit", "valid"):
            tokens = _check_attributes(tokens, fixups)
        if words.has("storage"):
            tokens = ddl_forms.column_storage(tokens, fixups)
        if words.has("exclude"):
            tokens = ddl_forms.exclusion_attributes(tokens, fixups)
        tokens = _bare_storage_parameters(tokens, fixups)
        if words.has("of"):
            tokens = _with_options(tokens, fixups)
        if words.has("values"):
            tokens = _compared_bounds(tokens, fixups)
        tokens = _compression(tokens)
        tokens = _table_forms(tokens, types, sql, fixups)
        if words.has("oids", "commit"):
            tokens = ddl_forms.table_tail(tokens, fixups)
    elif first is TokenType.ALTER:
        words = _Words(tokens, sql)
        if words.has("generated"):
            tokens = _virtual(tokens, fixups)
        if words.has("exclude"):
            tokens = ddl_forms.exclusion_attributes(tokens, fixups)
        tokens = _compression(tokens)
        tokens = _table_forms(tokens, types, sql, fixups)
    return tokens


def _table_forms(
    tokens: list[Token], types: list[TokenType], sql: str, fixups: list[Fixup]
) -> list[Token]:
    """`types`: the statement's token types before any rewrite (for membership tests)."""
    start, end = tokens[0].start, tokens[-1].end + 1
    if not sql or ddl_forms.SET_COLUMNS.search(sql, start, end):
        tokens = ddl_forms.set_null_columns(tokens, sql, fixups)
    if TokenType.DASH in types:
        tokens = ddl_forms.negative_scales(tokens)
    return tokens


class _Words:
    """Which of a few words the statement's text holds: one search at C speed, before a scan
    of its tokens in Python that looks for a token of that word (each scan is rarely needed,
    and together they cost a tenth of a first run). Without the text, every scan runs."""

    def __init__(self, tokens: list[Token], sql: str) -> None:
        self.sql = sql
        found = _KEY_WORDS.findall(sql, tokens[0].start, tokens[-1].end + 1) if sql else ()
        self.found = frozenset(word.lower() for word in found)

    def has(self, *words: str) -> bool:
        return not self.sql or not self.found.isdisjoint(words)


# The words `_Words` looks for: each the key of a form (`oids` of WITHOUT OIDS, `commit` of
# ON COMMIT DROP, `valid` of NOT VALID, `storage` of a column's STORAGE).
_KEY_WORDS = re.compile(
    r"\b(generated|partition|inherit|of|values|valid|storage|exclude|oids|commit)\b",
    re.IGNORECASE,
)


def _operators(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    out: list[Token] = []
    for i, token in enumerate(tokens):
        # After `(` or `.` it is already inside OPERATOR(schema.op).
        explicit = i > 0 and tokens[i - 1].token_type in (TokenType.L_PAREN, TokenType.DOT)
        if token.token_type is TokenType.OPERATOR and token.text in OPERATORS and not explicit:
            out += [
                _retyped(token, TokenType.OPERATOR, "OPERATOR"),
                _retyped(token, TokenType.L_PAREN, "("),
                _retyped(token, TokenType.VAR, token.text),
                _retyped(token, TokenType.R_PAREN, ")"),
            ]
        else:
            out.append(token)
    if len(out) != len(tokens):
        fixups.append(_mark_bare)
    return out


# PostgreSQL's operator characters (the `op_chars` of its lexer, scan.l), and those that let a
# multi-character operator end in `+` or `-`.
OPERATOR_CHARS = frozenset("~!@#^&|`?+-*/%<>=")
_KEEPS_SIGN = frozenset("~!@#^&|`?%")
# Two or more: written as a character and a run, not `{2,}`, so that the search skips at C
# speed to each operator character instead of trying a match at every character.
_OPERATOR_RUN = re.compile(r"[~!@#^&|`?+\-*/%<>=][~!@#^&|`?+\-*/%<>=]+")


def in_text(sql: str, start: int, end: int, known: frozenset[str]) -> bool:
    """Whether the text may hold a form `text_forms` reads (a regex at C speed before any
    scan of tokens): characters PostgreSQL reads as one operator that the tokenizer does not
    know as one (`a <<< b`, `x %% 2`, an extension's `a ### b`; `known`: the tokenizer's),
    or a JSON_ARRAY constructor, or an XML function written with keywords."""
    # (a search each: one regex of the alternatives tried a match at every character)
    if (
        _JSON_ARRAY.search(sql, start, end)
        or json_forms.IN_TEXT.search(sql, start, end)
        or xml_forms.IN_TEXT.search(sql, start, end)
    ):
        return True
    first = _OPERATOR_RUN.search(sql, start, end)  # most statements have no run at all
    return first is not None and any(
        m.group() not in known and "--" not in m.group() and "/*" not in m.group()
        for m in _OPERATOR_RUN.finditer(sql, first.start(), end)
    )


def text_forms(
    tokens: list[Token], sql: str, fixups: list[Fixup], known: frozenset[str]
) -> list[Token]:
    """The forms `in_text` finds, made Postgres-parsable."""
    start, end = tokens[0].start, tokens[-1].end + 1
    if xml_forms.IN_TEXT.search(sql, start, end):
        tokens = xml_forms.xml_calls(tokens, sql, fixups)
    if _JSON_ARRAY.search(sql, start, end):
        tokens = _json_array_clauses(tokens, sql, fixups)
    if json_forms.IN_TEXT.search(sql, start, end):
        tokens = json_forms.function_calls(tokens, fixups)
    if any(m.group() not in known for m in _OPERATOR_RUN.finditer(sql, start, end)):
        tokens = custom_operators(tokens, sql, fixups)
    return tokens


# `\bjson_array(?:agg)?\s*\(`, led by the `_` so that the search skips to each `_` at C speed
# (led by a case-blind word, it tried every character: 20 us per INSERT of a dump).
_JSON_ARRAY = re.compile(r"_(?<=\bjson_)array(?:agg)?\s*\(", re.IGNORECASE)
_JSON_ARRAY_NAMES = frozenset({"JSON_ARRAY", "JSON_ARRAYAGG"})


def _json_array_clauses(tokens: list[Token], sql: str, fixups: list[Fixup]) -> list[Token]:
    """`JSON_ARRAY(... [NULL|ABSENT ON NULL] [RETURNING type [FORMAT JSON [ENCODING e]]])`
    and JSON_ARRAYAGG's: the trailing clauses, which sqlglot's Postgres parser does not read,
    dropped and kept as written on the call (args["json_clauses"], in the order the calls
    start), where the generator prints them back; an argument's `FORMAT JSON`, dropped too,
    and the argument then wrapped in exp.FormatJson (by the call's number and its own)."""
    words = [_upper(t) for t in tokens]
    drop: set[int] = set()
    clauses: list[str | None] = []
    formats: list[tuple[int, int]] = []
    for k, word in enumerate(words):
        if word not in _JSON_ARRAY_NAMES or k + 1 >= len(tokens):
            continue
        if tokens[k + 1].token_type is not TokenType.L_PAREN:
            continue
        close = closing(tokens, k + 1)
        if close is None:
            break
        first, depth, argument = None, 0, 0
        for m in range(k + 2, close):  # the first clause outside the arguments' parentheses
            kind = tokens[m].token_type
            depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
            on_null = words[m] in ("NULL", "ABSENT") and words[m + 1 : m + 3] == ["ON", "NULL"]
            if depth == 0 and (on_null or words[m] == "RETURNING"):
                first = m
                break
            if depth == 0 and words[m : m + 2] == ["FORMAT", "JSON"] and words[m + 2] != "ENCODING":
                drop.update((m, m + 1))
                formats.append((len(clauses), argument))
            argument += depth == 0 and kind is TokenType.COMMA
        if first is None:
            clauses.append(None)
            continue
        drop.update(range(first, close))
        clauses.append(sql[tokens[first].start : tokens[close - 1].end + 1])
    if not drop:
        return tokens
    fixups.append(partial(_set_json_clauses, clauses=clauses, formats=formats))
    return [t for i, t in enumerate(tokens) if i not in drop]


def _set_json_clauses(
    tree: exp.Expr | None, clauses: list[str | None], formats: list[tuple[int, int]]
) -> exp.Expr | None:
    if tree is None:
        return tree
    calls = [
        node
        for node in tree.walk(bfs=False)
        if isinstance(node, exp.Anonymous) and node.name.upper() in _JSON_ARRAY_NAMES
    ]
    for node, clause in zip(calls, clauses, strict=False):
        if clause is not None:
            node.set(JSON_CLAUSES, clause)
    for number, index in formats:
        arguments = calls[number].expressions if number < len(calls) else []
        if index < len(arguments):
            argument, wrapper = arguments[index], exp.FormatJson()
            argument.replace(wrapper)
            wrapper.set("this", argument)
    return tree


def custom_operators(tokens: list[Token], sql: str, fixups: list[Fixup]) -> list[Token]:
    """Adjacent operator tokens that PostgreSQL's lexer reads as one operator, as it reads
    them (the longest run of operator characters, less a trailing `+` or `-` unless the run
    holds one of `~!@#^&|`?%`), each made `OPERATOR(op)`: any operator, an extension's or a
    user's, is grammatical; whether it exists is the server's to say."""
    out: list[Token] = []
    merged: set[str] = set()
    i, n = 0, len(tokens)
    while i < n:
        j = i
        while (
            j + 1 < n
            and _operator_token(tokens[j + 1])
            and tokens[j + 1].start == tokens[j].end + 1
        ):
            j += 1
        if j == i or not _operator_token(tokens[i]):
            out.append(tokens[i])
            i += 1
            continue
        k = i
        while k <= j:
            op = _lexed_operator(sql[tokens[k].start : tokens[j].end + 1])
            m = k
            while m < j and tokens[m].end < tokens[k].start + len(op) - 1:
                m += 1
            if m == k or tokens[m].end != tokens[k].start + len(op) - 1:
                out.append(tokens[k])
                k += 1
                continue
            first = tokens[k]
            out += [
                _retyped(first, TokenType.OPERATOR, "OPERATOR"),
                _retyped(first, TokenType.L_PAREN, "("),
                Token(TokenType.VAR, op, first.line, first.col, first.start, tokens[m].end),
                _retyped(tokens[m], TokenType.R_PAREN, ")"),
            ]
            merged.add(op)
            k = m + 1
        i = j + 1
    if merged:
        fixups.append(partial(_mark_bare, operators=frozenset(merged)))
    return out


def _operator_token(token: Token) -> bool:
    return (
        token.token_type not in _QUOTED
        and bool(token.text)
        and all(c in OPERATOR_CHARS for c in token.text)
    )


def _lexed_operator(run: str) -> str:
    """The operator PostgreSQL's lexer reads at the start of a run of operator characters."""
    op = run
    if len(op) > 1 and op[-1] in "+-" and not any(c in _KEEPS_SIGN for c in op[:-1]):
        while len(op) > 1 and op[-1] in "+-":
            op = op[:-1]
    return op


_NAMES = frozenset({TokenType.VAR, TokenType.IDENTIFIER})


def _join_using_aliases(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`JOIN b USING (i) AS x` (PostgreSQL 14): the alias's two tokens dropped, and set on
    the join (args["using_alias"]), which is found by its first USING column's token."""
    drop: set[int] = set()
    aliases: dict[int, str] = {}
    n = len(tokens)
    for k in range(n - 3):
        if tokens[k].token_type is not TokenType.USING:
            continue
        if tokens[k + 1].token_type is not TokenType.L_PAREN:
            continue
        close = k + 2
        while close < n and (
            tokens[close].token_type in _NAMES or tokens[close].token_type is TokenType.COMMA
        ):
            close += 1
        if (
            close + 2 < n
            and close > k + 2
            and tokens[close].token_type is TokenType.R_PAREN
            and tokens[close + 1].token_type is TokenType.ALIAS
            and tokens[close + 2].token_type in _NAMES
        ):
            drop.update((close + 1, close + 2))
            aliases[tokens[k + 2].start] = tokens[close + 2].text
    if not aliases:
        return tokens
    fixups.append(partial(_set_using_aliases, aliases=aliases))
    return [t for i, t in enumerate(tokens) if i not in drop]


def _set_using_aliases(tree: exp.Expr | None, aliases: dict[int, str]) -> exp.Expr | None:
    if tree is not None:
        for join in tree.find_all(exp.Join):
            using = join.args.get("using") or []
            alias = aliases.get(using[0].meta.get("start", -1)) if using else None
            if alias is not None:
                join.set(USING_ALIAS, alias)
    return tree


_CURRENT_OF = re.compile(r"\bwhere\s+current\s+of\b", re.IGNORECASE)


def _current_of(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`WHERE CURRENT OF cursor` read as a call `CURRENT_OF(cursor)` on the same tokens."""
    words = [_upper(t) for t in tokens]
    for i in range(len(tokens) - 3):
        if words[i] == "WHERE" and words[i + 1] == "CURRENT" and words[i + 2] == "OF":
            name = tokens[i + 3]
            tokens = [
                *tokens[: i + 1],
                _retyped(tokens[i + 1], TokenType.VAR, CURRENT_OF),
                _retyped(tokens[i + 2], TokenType.L_PAREN, "("),
                name,
                _retyped(name, TokenType.R_PAREN, ")"),
                *tokens[i + 4 :],
            ]
            fixups.append(_mark_current_of)
            break
    return tokens


def _mark_current_of(tree: exp.Expr | None) -> exp.Expr | None:
    if tree is not None:
        for node in tree.find_all(exp.Anonymous):
            if node.name == CURRENT_OF:
                node.set(CURRENT_OF, True)
    return tree


def _mark_bare(
    tree: exp.Expr | None, operators: frozenset[str] = frozenset(OPERATORS)
) -> exp.Expr | None:
    if tree is not None:
        for node in tree.find_all(exp.Operator):
            if node.args.get("operator") in operators:
                node.set(BARE, True)
    return tree


def _psql_variables(tokens: list[Token]) -> list[Token]:
    """`:'var'`, `:"var"` and `:{?var}`: a colon written right before a quoted string or
    name, or a brace, which PostgreSQL's grammar never has (psql replaces them with the
    variable's value, or with whether it is set)."""
    out: list[Token] = []
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i]
        if token.token_type is not TokenType.COLON or i + 1 == n:
            out.append(token)
            i += 1
            continue
        after = tokens[i + 1 : i + 5]
        kinds = tuple(t.token_type for t in after)
        glued = all(
            t.start == prior.end + 1 for prior, t in zip([token, *after], after, strict=False)
        )
        if after[0].start == token.end + 1 and kinds[0] in _QUOTED:
            i += 1  # the colon dropped; the quoted string or name stays
        elif glued and kinds == _IS_SET:
            out.append(after[2])  # the name alone: a column stands for the boolean
            i += 5
        else:
            out.append(token)
            i += 1
    return out


def _typed_literals(tokens: list[Token]) -> list[Token]:
    """`box '...'`, `cidr '...'` are read as `'...'::box`: the cast sqlglot builds for
    `point '...'`."""
    out = tokens
    types = [t.token_type for t in out]
    # Only the word before each string is read: the strings are found at C speed and taken
    # from the last (a rewrite moves only the tokens after it); a rewritten literal leaves its
    # string where the name was, which the word before may type in turn.
    strings, at = [], -1
    for _ in range(types.count(TokenType.STRING)):
        at = types.index(TokenType.STRING, at + 1)
        strings.append(at)
    for at in reversed(strings):
        i = at - 1
        while i >= 0 and _typed_name(out, i):
            if out is tokens:
                out = list(tokens)
            out[i : i + 2] = [out[i + 1], _retyped(out[i], TokenType.DCOLON, "::"), out[i]]
            i -= 1
    return out


def _typed_name(tokens: list[Token], i: int) -> bool:
    """Whether the token at `i` names the type of a literal (the string after it)."""
    name = tokens[i]
    return (
        name.token_type is TokenType.VAR
        and name.text.lower() in _TYPED_LITERALS
        and (i == 0 or tokens[i - 1].token_type is not TokenType.DOT)
    )


def _bit_varying(tokens: list[Token]) -> list[Token]:
    """`bit varying`, which sqlglot reads as `bit` and a stray word: one token `varbit`, the
    name PostgreSQL gives the type, over both words."""
    out = list(tokens)
    for i in range(len(out) - 2, -1, -1):
        bit, varying = out[i], out[i + 1]
        if bit.token_type is TokenType.BIT and _upper(varying) == "VARYING":
            merged = Token(TokenType.VAR, "varbit", varying.line, varying.col, bit.start,
                           varying.end, bit.comments + varying.comments)  # fmt: skip
            out[i : i + 2] = [merged]
    return out


def _compression(tokens: list[Token]) -> list[Token]:
    """A column's `COMPRESSION method` (also `COMPRESSION default`), which sqlglot reads as
    its COMPRESS constraint: the generator prints it back as COMPRESSION."""
    out = list(tokens)
    for i in range(1, len(out) - 1):
        if (
            _upper(out[i]) == "COMPRESSION"
            and out[i + 1].token_type in _COMPRESSION_METHOD
            and out[i - 1].token_type is not TokenType.SET  # ALTER COLUMN c SET COMPRESSION
        ):
            out[i] = _retyped(out[i], out[i].token_type, "COMPRESS")
            out[i + 1] = _retyped(out[i + 1], TokenType.VAR, out[i + 1].text)
    return out


_COMPRESSION_METHOD = frozenset({TokenType.VAR, TokenType.DEFAULT, TokenType.IDENTIFIER})


def _overriding(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    found: list[tuple[int, str]] = []
    drop: set[int] = set()
    for i in range(len(tokens) - 2):
        if _upper(tokens[i]) != "OVERRIDING":
            continue
        kind, value = _upper(tokens[i + 1]), _upper(tokens[i + 2])
        if kind in ("SYSTEM", "USER") and value == "VALUE":
            found.append((tokens[i].start, kind))
            drop.update((i, i + 1, i + 2))
    if not found:
        return tokens
    fixups.append(partial(_set_overriding, found=found))
    return [t for i, t in enumerate(tokens) if i not in drop]


def _set_overriding(tree: exp.Expr | None, found: list[tuple[int, str]]) -> exp.Expr | None:
    """Each OVERRIDING clause belongs to the INSERT whose target ends last before it."""
    if tree is None:
        return tree
    targets = []
    for insert in tree.find_all(exp.Insert):
        ends = [n.meta.get("end", -1) for n in insert.this.find_all(exp.Identifier)]
        if ends:
            targets.append((max(ends), insert))
    for start, kind in found:
        before = [t for t in targets if t[0] < start]
        if before:
            max(before, key=lambda t: t[0])[1].set(OVERRIDING, kind)
    return tree


# Objects PostgreSQL drops several of at once, which sqlglot reads one of: read as DROP TABLE
# (several names), then given their kind back.
_DROPPED_KINDS = frozenset({"INDEX", "SEQUENCE", "TYPE", "SCHEMA"})


def _drop_several(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """sqlglot reads one name after DROP INDEX, SEQUENCE, TYPE or SCHEMA, several after DROP
    TABLE."""
    kind = _upper(tokens[1]) if len(tokens) >= 4 else None
    if kind not in _DROPPED_KINDS or TokenType.COMMA not in (t.token_type for t in tokens):
        return tokens
    out = [tokens[0], _retyped(tokens[1], TokenType.TABLE, "TABLE")]
    # CONCURRENTLY (of an index) followed by a comma or a dot is an index's name.
    concurrently = (
        kind == "INDEX"
        and _upper(tokens[2]) == "CONCURRENTLY"
        and tokens[3].token_type not in (TokenType.COMMA, TokenType.DOT)
    )
    out += tokens[3:] if concurrently else tokens[2:]
    fixups.append(partial(_set_drop_kind, kind=kind, concurrently=concurrently))
    return out


def _set_drop_kind(tree: exp.Expr | None, kind: str, concurrently: bool) -> exp.Expr | None:
    if isinstance(tree, exp.Drop):
        tree.set("kind", kind)
        tree.set("concurrently", concurrently)
    return tree


def _comment_null(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    last = tokens[-1]
    if last.token_type is not TokenType.NULL or _upper(tokens[-2]) != "IS":
        return tokens
    fixups.append(_set_comment_null)
    return [*tokens[:-1], _retyped(last, TokenType.STRING, "NULL")]


def _set_comment_null(tree: exp.Expr | None) -> exp.Expr | None:
    if isinstance(tree, exp.Comment) and isinstance(tree.expression, exp.Literal):
        tree.expression.replace(exp.Null().update_positions(tree.expression))
    return tree


def _virtual(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`GENERATED ALWAYS AS (e) [VIRTUAL]`: sqlglot reads it (without the word) as an identity
    constraint; it is a generated column, PostgreSQL 18's virtual kind, made the node STORED
    ones are (exp.ComputedColumnConstraint) with args["virtual"]: True if the word is written."""
    drop: list[int] = []
    written: list[bool] = []
    for i in range(len(tokens) - 3):
        if not (  # (the token types first: they rule out almost every token, and cheaply)
            tokens[i + 2].token_type is TokenType.ALIAS
            and tokens[i + 3].token_type is TokenType.L_PAREN
            and _upper(tokens[i]) == "GENERATED"
            and _upper(tokens[i + 1]) == "ALWAYS"
        ):
            continue
        close = closing(tokens, i + 3)
        after = _upper(tokens[close + 1]) if close is not None and close + 1 < len(tokens) else None
        if close is None or after == "STORED":
            continue
        if after == "VIRTUAL":
            drop.append(close + 1)
        written.append(after == "VIRTUAL")
    if not written:
        return tokens
    fixups.append(partial(_set_virtual, written=written))
    return [t for i, t in enumerate(tokens) if i not in drop] if drop else tokens


def _parenthesis(tokens: list[Token], start: int | None) -> tuple[int, int] | None:
    """The first `(` at or after `start` and the `)` closing it; None without `start`."""
    if start is None:
        return None
    open_ = next(
        (i for i in range(start, len(tokens)) if tokens[i].token_type is TokenType.L_PAREN), None
    )
    close = closing(tokens, open_) if open_ is not None else None
    return None if close is None else (open_, close)


def _set_virtual(tree: exp.Expr | None, written: list[bool]) -> exp.Expr | None:
    if tree is None:
        return tree
    generated = [
        node
        for node in tree.walk(bfs=False)
        if isinstance(node, exp.GeneratedAsIdentityColumnConstraint)
        and node.args.get("expression") is not None
    ]
    for node, word in zip(generated, written, strict=False):
        computed = exp.ComputedColumnConstraint(this=node.args["expression"], virtual=word)
        node.replace(computed)
    return tree


def _function_types(
    tokens: list[Token], fixups: list[Fixup], sub_parser: Callable[[], Any]
) -> list[Token]:
    """Unnamed parameters of more than one token (`text[]`, `timestamp with time zone`): one
    placeholder name token each, swapped for the parsed type afterwards. A default written
    `= value`, which sqlglot reads only as `DEFAULT value`: its `=` read as DEFAULT."""
    kind = 3 if _upper(tokens[1]) == "OR" else 1
    if kind + 2 >= len(tokens) or _upper(tokens[kind]) not in ("FUNCTION", "PROCEDURE"):
        return tokens
    found = _parenthesis(tokens, kind)
    if found is None:
        return tokens
    open_, close = found
    params: list[tuple[int, int]] = []
    depth, begin = 0, open_ + 1
    for k in range(open_ + 1, close + 1):
        kind_k = tokens[k].token_type
        if kind_k in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif kind_k in (TokenType.R_PAREN, TokenType.R_BRACKET) and k != close:
            depth -= 1
        elif (kind_k is TokenType.COMMA and depth == 0) or k == close:
            params.append((begin, k))
            begin = k + 1
    types: dict[int, exp.Expr] = {}
    late_modes: dict[int, str] = {}
    equals = False
    out: list[Token] = list(tokens[: open_ + 1])
    for n, (begin, end) in enumerate(params):
        if n:
            out.append(tokens[begin - 1])
        part = tokens[begin:end]
        if len(part) > 2 and part[0].token_type in _NAMES and _upper(part[1]) in _FUNCTION_MODES:
            late_modes[part[0].start] = _upper(part[1]) or ""  # `a VARIADIC int[]`
            part = [part[0], *part[2:]]
        mode = 1 if part and _upper(part[0]) in _FUNCTION_MODES and len(part) > 2 else 0
        default = next(
            (
                i
                for i, t in enumerate(part)
                if _upper(t) == "DEFAULT" or t.token_type is TokenType.EQ
            ),
            len(part),
        )
        if default < len(part) and part[default].token_type is TokenType.EQ:
            equals = True
            part = [*part[:default], _retyped(part[default], TokenType.DEFAULT, "DEFAULT"),
                    *part[default + 1 :]]  # fmt: skip
        body = part[mode:default]
        parsed = routine_args.data_type(body, sub_parser) if len(body) > 1 else None
        if parsed is None:
            out += part
            continue
        out += part[:mode]
        out.append(_retyped(body[0], TokenType.VAR, "_"))
        out += part[default:]
        types[body[0].start] = parsed
    if not types and not equals and not late_modes:
        return tokens
    out += tokens[close:]
    if types:
        fixups.append(partial(_set_function_types, types=types))
    if late_modes:
        fixups.append(partial(_set_late_modes, modes=late_modes))
    return out


def _set_late_modes(tree: exp.Expr | None, modes: dict[int, str]) -> exp.Expr | None:
    """A parameter's mode written after its name: the constraint its mode before the name
    gives, marked (args["mode_after_name"]) for the generator to print it where written."""
    for column in tree.find_all(exp.ColumnDef) if tree is not None else []:
        mode = modes.get(column.this.meta.get("start", -1)) if column.this else None
        if mode is None:
            continue
        constraint = exp.InOutColumnConstraint(
            input_=mode in ("IN", "INOUT"), output=mode in ("OUT", "INOUT"),
            variadic=mode == "VARIADIC",
        )  # fmt: skip
        column.append("constraints", constraint)
        column.set(MODE_AFTER_NAME, mode)
    return tree


def _set_function_types(tree: exp.Expr | None, types: dict[int, exp.Expr]) -> exp.Expr | None:
    if tree is None:
        return tree
    for node in list(tree.find_all(exp.Identifier)):
        if node.name == "_" and node.meta.get("start") in types:
            target = (
                node.parent
                if isinstance(node.parent, exp.ColumnDef)
                and node.arg_key == "this"
                and not node.parent.args.get("kind")
                else node
            )
            target.replace(types[node.meta["start"]])
    return tree


_KEY_END = frozenset({TokenType.VAR, TokenType.IDENTIFIER, TokenType.R_PAREN})
_BY = frozenset({"BY", "By", "bY", "by"})


def _partition_opclasses(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`PARTITION BY RANGE|LIST|HASH (key opclass, ...)`: sqlglot reads the keys as a call's
    arguments, where a bare word after a key does not parse."""
    by = next(
        (
            i
            for i in range(len(tokens) - 3)
            if tokens[i].token_type is TokenType.PARTITION_BY
            or (  # (the cheap text test first: it rules out almost every token)
                tokens[i + 1].text in _BY
                and _upper(tokens[i + 1]) == "BY"
                and _upper(tokens[i]) == "PARTITION"
            )
        ),
        None,
    )
    found = _parenthesis(tokens, by)
    if found is None:
        return tokens
    open_, close = found
    found: list[tuple[int, Token]] = []
    depth, argument = 0, 0
    for k in range(open_ + 1, close):
        kind = tokens[k].token_type
        if kind is TokenType.L_PAREN:
            depth += 1
        elif kind is TokenType.R_PAREN:
            depth -= 1
        elif kind is TokenType.COMMA and depth == 0:
            argument += 1
        elif (
            depth == 0
            and kind is TokenType.VAR
            and tokens[k - 1].token_type in _KEY_END
            and k - 1 > open_
            and tokens[k + 1].token_type in (TokenType.COMMA, TokenType.R_PAREN)
        ):
            found.append((argument, tokens[k]))
    if not found:
        return tokens
    fixups.append(partial(_set_partition_opclasses, found=found))
    dropped = {id(token) for _, token in found}
    return [t for t in tokens if id(t) not in dropped]


def _set_partition_opclasses(
    tree: exp.Expr | None, found: list[tuple[int, Token]]
) -> exp.Expr | None:
    prop = tree.find(exp.PartitionedByProperty) if tree is not None else None
    keys = prop.this.expressions if prop is not None and prop.this is not None else []
    for argument, token in found:
        if argument < len(keys):
            key = keys[argument]
            name = exp.Identifier(this=token.text, quoted=False).update_positions(token)
            key.replace(exp.Opclass(this=key.copy(), expression=exp.Table(this=name)))
    return tree


def _check_attributes(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`CHECK (e) NO INHERIT NOT VALID` (either, both, in either order): the words dropped,
    the CHECK marked (in order of appearance)."""
    drop: list[int] = []
    marks: list[frozenset[str]] = []
    for i, token in enumerate(tokens):
        if _upper(token) != "CHECK":
            continue
        close = closing(tokens, i + 1)
        words: set[str] = set()
        k = close + 1 if close is not None else len(tokens)
        while k + 1 < len(tokens):
            pair = (_upper(tokens[k]), _upper(tokens[k + 1]))
            if pair not in (("NO", "INHERIT"), ("NOT", "VALID")):
                break
            words.add(NO_INHERIT if pair[0] == "NO" else NOT_VALID)
            drop += [k, k + 1]
            k += 2
        marks.append(frozenset(words))
    if not drop:
        return tokens
    fixups.append(partial(_set_check_attributes, marks=marks))
    return [t for i, t in enumerate(tokens) if i not in drop]


def _set_check_attributes(tree: exp.Expr | None, marks: list[frozenset[str]]) -> exp.Expr | None:
    checks = list(tree.find_all(exp.CheckColumnConstraint, bfs=False)) if tree else []
    for node, words in zip(checks, marks, strict=False):
        for word in words:
            node.set(word, True)
    return tree


# What precedes the WITH of storage parameters: a column list, or a view's name.
_BEFORE_PARAMETERS = frozenset({TokenType.R_PAREN, TokenType.VAR, TokenType.IDENTIFIER})


def _bare_storage_parameters(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`CREATE TABLE t (...) WITH (oids)`, `CREATE VIEW v WITH (security_barrier)`: a
    parameter without a value, which sqlglot reads only as `name = value`; given `= TRUE`
    (tokens at the name's place), marked bare."""
    start = next(
        (
            i + 2
            for i in range(1, len(tokens) - 2)
            if tokens[i].token_type is TokenType.WITH
            and tokens[i - 1].token_type in _BEFORE_PARAMETERS
            and tokens[i + 1].token_type is TokenType.L_PAREN
        ),
        None,
    )
    close = closing(tokens, start - 1) if start is not None else None
    if start is None or close is None:
        return tokens
    bare = [
        k
        for k in range(start, close)
        if tokens[k].token_type is TokenType.VAR
        and tokens[k - 1].token_type in (TokenType.L_PAREN, TokenType.COMMA)
        and tokens[k + 1].token_type in (TokenType.R_PAREN, TokenType.COMMA)
    ]
    if not bare:
        return tokens
    names = [tokens[k].text.lower() for k in bare]
    fixups.append(partial(_set_bare_parameters, names=names))
    out: list[Token] = []
    for k, token in enumerate(tokens):
        out.append(token)
        if k in bare:
            out += [_retyped(token, TokenType.EQ, "="), _retyped(token, TokenType.TRUE, "TRUE")]
    return out


def _set_bare_parameters(tree: exp.Expr | None, names: list[str]) -> exp.Expr | None:
    for node in tree.find_all(exp.Property) if tree is not None else []:
        if node.name.lower() in names and isinstance(node.args.get("value"), exp.Boolean):
            node.set(BARE, True)
    return tree


def _with_options(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """The column list of `PARTITION OF p (...)` and `OF type (...)`: `c WITH OPTIONS ...`
    (the words dropped, the column marked) and columns of no type starting with GENERATED,
    which sqlglot would take for a type name."""
    of = next((i for i in range(2, len(tokens) - 1) if _upper(tokens[i]) == "OF"), None)
    found = _parenthesis(tokens, of)
    if found is None:
        return tokens
    open_, close = found
    drop: list[int] = []
    marks: list[bool] = []
    out = list(tokens)
    depth = 0
    for k in range(open_, close):
        kind = tokens[k].token_type
        depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
        if depth != 1 or kind not in (TokenType.L_PAREN, TokenType.COMMA):
            continue
        name = k + 1
        options = _upper(_at(tokens, name + 1)) == "WITH" and _upper(_at(tokens, name + 2)) == (
            "OPTIONS"
        )
        marks.append(options)
        first = name + 3 if options else name + 1
        if options:
            drop += [name + 1, name + 2]
        if _upper(_at(tokens, first)) == "GENERATED":
            out[first] = _retyped(tokens[first], TokenType.COMMAND, tokens[first].text)
    if drop:
        fixups.append(partial(_set_with_options, marks=marks))
    return [t for i, t in enumerate(out) if i not in drop]


def _at(tokens: list[Token], i: int) -> Token | None:
    return tokens[i] if i < len(tokens) else None


def _set_with_options(tree: exp.Expr | None, marks: list[bool]) -> exp.Expr | None:
    schema = tree.find(exp.Schema) if tree is not None else None
    columns = [e for e in schema.expressions if isinstance(e, exp.ColumnDef)] if schema else []
    for column, options in zip(columns, marks, strict=False):
        if options:
            column.set(WITH_OPTIONS, True)
    return tree


_COMPARISONS = frozenset(
    {TokenType.LT, TokenType.GT, TokenType.LTE, TokenType.GTE, TokenType.EQ, TokenType.NEQ}
)


def _compared_bounds(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`FOR VALUES IN|FROM|TO (...)`: a bound that is a comparison (`'a' < 'b'`) is read in
    parentheses made of its own first and last tokens; the parentheses are dropped from the
    tree after parsing."""
    values = next(
        (
            i + 2
            for i in range(len(tokens) - 2)
            if _upper(tokens[i]) == "FOR" and _upper(tokens[i + 1]) == "VALUES"
        ),
        None,
    )
    if values is None:
        return tokens
    wrap: list[tuple[int, int]] = []
    i = values
    while i < len(tokens):
        close = closing(tokens, i) if tokens[i].token_type is TokenType.L_PAREN else None
        if close is None:
            i += 1
            continue
        start, depth = i + 1, 0
        for k in range(i + 1, close + 1):
            kind = tokens[k].token_type
            if k == close or (depth == 0 and kind is TokenType.COMMA):
                if any(
                    tokens[m].token_type in _COMPARISONS and _depth(tokens, start, m) == 0
                    for m in range(start, k)
                ):
                    wrap.append((start, k - 1))
                start = k + 1
            depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
        if _upper(_at(tokens, close + 1)) != "TO":  # the bound ends: WITH (...) may follow
            break
        i = close + 1
    if not wrap:
        return tokens
    fixups.append(_unwrap_bounds)
    firsts = {a for a, _ in wrap}
    lasts = {b for _, b in wrap}
    out: list[Token] = []
    for k, token in enumerate(tokens):
        if k in firsts:
            out.append(_retyped(token, TokenType.L_PAREN, "("))
        out.append(token)
        if k in lasts:
            out.append(_retyped(token, TokenType.R_PAREN, ")"))
    return out


def _depth(tokens: list[Token], start: int, at: int) -> int:
    depth = 0
    for k in range(start, at):
        kind = tokens[k].token_type
        depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
    return depth


def _unwrap_bounds(tree: exp.Expr | None) -> exp.Expr | None:
    spec = tree.find(exp.PartitionBoundSpec) if tree is not None else None
    for node in list(spec.find_all(exp.Paren)) if spec is not None else []:
        if isinstance(node.this, exp.Predicate) and node.parent is spec:
            node.replace(node.this)
    return tree
