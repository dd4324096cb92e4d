"""The Amazon Aurora DSQL dialect for sqlglot.

DSQL is PostgreSQL plus a few statements of its own:

    CREATE [UNIQUE] INDEX ASYNC [IF NOT EXISTS] name ON t (...) [INCLUDE (...)]
        [NULLS [NOT] DISTINCT] [WHERE ...]
    ALTER TABLE ASYNC [IF EXISTS] [ONLY] t VALIDATE CONSTRAINT c
    CALL sys.wait_for_job('job id')

How they appear in the tree (rules rely on this):

    exp.Create / exp.Alter    args["async"] is True for ASYNC (absent otherwise); a statement
                              sqlglot only keeps as an exp.Command also gets args["async"]
    VALIDATE CONSTRAINT c     an action of exp.Alter: exp.AnalyzeValidate(kind="CONSTRAINT",
                              this=Identifier(c)), sync or async (see `is_validate_constraint`)
    NULLS [NOT] DISTINCT      args["nulls_distinct"] (False for NOT DISTINCT) on the index's
                              exp.IndexParameters
    CREATE INDEX .. ON ONLY t args["only"] on the exp.Index (sqlglot's Postgres rejects it)
    AS IDENTITY (options)     on exp.GeneratedAsIdentityColumnConstraint: start, increment,
                              minvalue, maxvalue (False for NO ...), cycle (True/False) as in
                              sqlglot, plus cache, data_type (AS type), sequence_name; any
                              order and all of them (sqlglot's Postgres parses few, in order)
    CALL f(...)               exp.Command(this="CALL", expression=Literal(text)) as in sqlglot,
                              plus args["call"]: the parsed call, e.g. Dot(sys, Anonymous(...))
    SAVEPOINT, NOTIFY, ...    exp.Command too for the PostgreSQL statements sqlglot does not
                              model (COMMAND_WORDS), CREATE OPERATOR and TRANSFORM, RETURNS
                              SETOF an array, and BEGIN/COMMIT/ROLLBACK and SET TRANSACTION
                              forms it fails on

Design: sqlglot dialects normally subclass the dialect's Parser and Generator. With sqlglotc
installed those classes are compiled by mypyc, and a Python subclass of a compiled class cannot
be instantiated ("interpreted classes cannot inherit from compiled"). The Dialect and Tokenizer
classes are plain Python, so `DSQL` subclasses `Postgres` and its `Tokenizer` as usual, while
`DSQL.Parser` and `DSQL.Generator` are small Python classes that wrap a Postgres instance
(composition), in one code path that works with and without sqlglotc:

- the parser rewrites each statement's tokens into something Postgres parses (drops ASYNC,
  NULLS [NOT] DISTINCT and `ON ONLY`'s ONLY, parses VALIDATE CONSTRAINT as DROP CONSTRAINT and
  `int ARRAY` as `int[]`, builds CALL itself), runs the Postgres parser once over all
  statements, then marks the resulting nodes;
- the generator installs handlers for Create, Alter, Index and IndexParameters in the wrapped
  generator's dispatch table (the per-instance equivalent of a dialect's TRANSFORMS), which
  call the Postgres handler and add ASYNC / NULLS [NOT] DISTINCT / ONLY; ColumnDef keeps SERIAL
  as written (Postgres generation turns it into an identity column).

Class attributes that sqlglot reads off `dialect.parser_class` / `dialect.generator_class`
(FUNCTIONS, TYPE_MAPPING, ...) are forwarded to the wrapped Postgres classes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ErrorLevel, TokenError
from sqlglot.generators.postgres import PostgresGenerator
from sqlglot.parsers.postgres import PostgresParser
from sqlglot.tokens import Token, TokenType

from dsql_lint.syntax import (
    ddl_forms,
    dml_forms,
    domains,
    expression_forms,
    integer_literals,
    operator_forms,
    pgforms,
    query_forms,
    raw_actions,
    routine_args,
    unicode_escapes,
    utility_forms,
    xml_forms,
)
from dsql_lint.syntax.brackets import positions
from dsql_lint.syntax.pg_types import internal_array_element

ASYNC = "async"
NULLS_DISTINCT = "nulls_distinct"
CALL = "call"

Fixup = Callable[[Any], Any]  # statement tree (None if the statement is empty) -> tree

# Statements `_rewrite` may change start with one of these (CALL is a VAR for DSQL).
_REWRITTEN_FIRST = frozenset(
    {
        TokenType.CREATE, TokenType.ALTER, TokenType.VAR, TokenType.BEGIN, TokenType.COMMIT,
        TokenType.END, TokenType.ROLLBACK, TokenType.COPY, TokenType.ANALYZE, TokenType.SET,
    }
)  # fmt: skip

# Words that, right after `ALTER TABLE async`, show that "async" is the table's name.
_ALTER_TABLE_ACTIONS = frozenset(
    {
        "ADD", "ALTER", "ATTACH", "CLUSTER", "DETACH", "DISABLE", "DROP", "ENABLE", "FORCE",
        "INHERIT", "NO", "NOT", "OF", "OWNER", "RENAME", "REPLICA", "RESET", "SET", "VALIDATE",
    }
)  # fmt: skip


def is_async(node: exp.Expr | None) -> bool:
    """True for CREATE INDEX ASYNC and ALTER TABLE ASYNC statements."""
    return bool(node is not None and node.args.get(ASYNC))


def is_validate_constraint(node: exp.Expr | None) -> bool:
    """True for the `VALIDATE CONSTRAINT c` action of an ALTER TABLE."""
    return isinstance(node, exp.AnalyzeValidate) and node.args.get("kind") == "CONSTRAINT"


def validated_constraints(alter: exp.Expr) -> list[exp.AnalyzeValidate]:
    """The VALIDATE CONSTRAINT actions of an ALTER TABLE (empty for anything else)."""
    if not isinstance(alter, exp.Alter):
        return []
    return [a for a in alter.args.get("actions") or [] if is_validate_constraint(a)]


def called(node: exp.Expr | None) -> exp.Expr | None:
    """The parsed call of a `CALL f(...)` statement, e.g. Dot(sys, Anonymous(wait_for_job))."""
    if isinstance(node, exp.Command) and node.name.upper() == "CALL":
        return node.args.get(CALL)
    return None


# --- token rewriting --------------------------------------------------------------------------


def _word(token: Token | None) -> str | None:
    """Upper-cased text of an unquoted word token (keywords included), else None."""
    if token is None or token.token_type in (TokenType.IDENTIFIER, TokenType.STRING):
        return None
    return token.text.upper()


def _at(tokens: list[Token], i: int) -> Token | None:
    return tokens[i] if 0 <= i < len(tokens) else None


def _retyped(token: Token, token_type: TokenType, text: str) -> Token:
    """A synthetic token at the same position, so node positions still point at the source."""
    return Token(token_type, text, token.line, token.col, token.start, token.end, token.comments)


def _without(tokens: list[Token], drop: list[int]) -> list[Token]:
    """`tokens` minus the indices in `drop`; their comments move to the previous token."""
    out: list[Token] = []
    dropped = set(drop)
    for i, token in enumerate(tokens):
        if i not in dropped:
            out.append(token)
        elif token.comments and out:
            prev = out[-1]
            out[-1] = Token(
                prev.token_type, prev.text, prev.line, prev.col, prev.start, prev.end,
                [*prev.comments, *token.comments],
            )  # fmt: skip
    return out


def _set_async(tree: exp.Expr | None) -> exp.Expr | None:
    if tree is not None:
        tree.set(ASYNC, True)
    return tree


def _rewrite_create_index(
    tokens: list[Token], types: list[TokenType], fixups: list[Fixup]
) -> list[Token]:
    i = 2 if types[1] is TokenType.UNIQUE else 1
    if i >= len(types) or types[i] is not TokenType.INDEX:
        return tokens
    drop: list[int] = []
    # ASYNC right after INDEX is the keyword, even before ON: an index named "async" would be
    # read as an async index by DSQL too.
    if _word(_at(tokens, i + 1)) == "ASYNC":
        drop.append(i + 1)
        fixups.append(_set_async)
    on = next(positions(types, TokenType.ON, i), len(types))
    if on + 1 < len(types) and types[on + 1] is TokenType.ONLY:
        drop.append(on + 1)  # `ON ONLY t`: Postgres parsing lacks it
        fixups.append(_set_index_only)
    if TokenType.DISTINCT in types:
        drop.extend(_index_nulls(tokens, types, on, fixups))
    return _without(tokens, drop) if drop else tokens


def _index_nulls(
    tokens: list[Token], types: list[TokenType], on: int, fixups: list[Fixup]
) -> list[int]:
    """`NULLS [NOT] DISTINCT` of an index, which Postgres parsing lacks: its token indices."""
    for k in positions(types, TokenType.DISTINCT, on + 1):
        negated = types[k - 1] is TokenType.NOT
        nulls = k - 2 if negated else k - 1
        if nulls > on and _word(tokens[nulls]) == "NULLS":
            fixups.append(partial(_set_index_param, key=NULLS_DISTINCT, value=not negated))
            return list(range(nulls, k + 1))
    return []


def _index_of(tree: exp.Expr | None) -> exp.Index | None:
    index = tree.this if isinstance(tree, exp.Create) else None
    return index if isinstance(index, exp.Index) else None


def _set_index_only(tree: exp.Expr | None) -> exp.Expr | None:
    index = _index_of(tree)
    if index is not None:
        index.set("only", True)
    return tree


def _set_index_param(tree: exp.Expr | None, *, key: str, value: Any) -> exp.Expr | None:
    index = _index_of(tree)
    params = index.args.get("params") if index is not None else None
    if isinstance(params, exp.IndexParameters):
        params.set(key, value)
    return tree


def _rewrite_alter_table(
    tokens: list[Token], types: list[TokenType], fixups: list[Fixup]
) -> list[Token]:
    names: set[int] = set()
    for k in positions(types, TokenType.CONSTRAINT, 3):
        if _word(tokens[k - 1]) == "VALIDATE":
            # Postgres parsing has no VALIDATE CONSTRAINT action: DROP CONSTRAINT has the same
            # shape, and its node is swapped for a validate node afterwards.
            if not names:
                tokens = list(tokens)
            tokens[k - 1] = _retyped(tokens[k - 1], TokenType.DROP, "DROP")
            if k + 1 < len(tokens):
                names.add(tokens[k + 1].start)
    if names:
        fixups.append(partial(_validate_actions, name_starts=names))
    tokens = _add_exclusions(tokens, types)
    if TokenType.RENAME in types:
        tokens = ddl_forms.rename_without_column(tokens, [t.token_type for t in tokens], fixups)
    after = _at(tokens, 3)
    if (
        _word(_at(tokens, 2)) == "ASYNC"
        and after is not None
        and after.token_type is not TokenType.DOT
        and _word(after) not in _ALTER_TABLE_ACTIONS
    ):
        fixups.append(_set_async)
        return _without(tokens, [2])
    return tokens


def _add_exclusions(tokens: list[Token], types: list[TokenType]) -> list[Token]:
    """`ADD EXCLUDE ...`: sqlglot reads an unnamed constraint after ADD only when its first
    token is of a few types (UNIQUE, PRIMARY KEY...), else a column named exclude (which
    failed, or kept the statement as text): EXCLUDE given one of those types, its word kept,
    by which the constraint is then read."""
    out = tokens
    for k in positions(types, TokenType.VAR, 4):
        if _word(tokens[k]) == "EXCLUDE" and _word(tokens[k - 1]) == "ADD":
            if out is tokens:
                out = list(tokens)
            out[k] = _retyped(tokens[k], TokenType.KEY, tokens[k].text)
    return out


def _validate_actions(tree: exp.Expr | None, name_starts: set[int]) -> exp.Expr | None:
    if not isinstance(tree, exp.Alter):
        return tree
    for action in list(tree.args.get("actions") or []):
        if not (isinstance(action, exp.Drop) and action.args.get("kind") == "CONSTRAINT"):
            continue
        tables = action.args.get("tables") or []
        name = tables[0].this if len(tables) == 1 else None
        if isinstance(name, exp.Identifier) and name.meta.get("start") in name_starts:
            action.replace(exp.AnalyzeValidate(kind="CONSTRAINT", this=name))
    return tree


def _relink_properties(tree: exp.Expr | None) -> exp.Expr | None:
    """sqlglot merges a CREATE's property groups by extending one list with another, so the
    moved properties keep a detached Properties as `parent` (CREATE FUNCTION ... LANGUAGE)."""
    properties = tree.args.get("properties") if isinstance(tree, exp.Create) else None
    if isinstance(properties, exp.Properties):
        items = properties.expressions
        if any(item.parent is not properties for item in items):
            properties.set("expressions", list(items))
    return tree


_IDENTITY_OPTIONS = re.compile(r"\bidentity\s*\(", re.IGNORECASE)
# What may follow an option's value: the next option, or the end of the list.
_IDENTITY_WORDS = frozenset(
    {"AS", "START", "INCREMENT", "MINVALUE", "MAXVALUE", "NO", "CACHE", "CYCLE", "SEQUENCE"}
)


def _rewrite_identity(
    tokens: list[Token], fixups: list[Fixup], parser: Callable[[], Any]
) -> list[Token]:
    """`GENERATED ... AS IDENTITY (options)`: sqlglot's Postgres parsing knows only START,
    INCREMENT, MINVALUE, MAXVALUE and CYCLE, in that order; DSQL requires CACHE. The options
    are parsed here and set on the k-th identity constraint (see IDENTITY_KEYS)."""
    drop: list[int] = []
    found: list[tuple[int, dict[str, Any]]] = []
    count = 0
    for i, token in enumerate(tokens):
        if _word(token) != "IDENTITY" or i == 0 or tokens[i - 1].token_type is not TokenType.ALIAS:
            continue
        count += 1
        close = pgforms.closing(tokens, i + 1)
        if close is None:
            continue
        options = _identity_options(tokens[i + 2 : close], parser)
        if options is not None:
            drop.extend(range(i + 1, close + 1))
            found.append((count - 1, options))
    if found:
        fixups.append(partial(_set_identity_options, found=found))
    return _without(tokens, drop) if drop else tokens


def _identity_options(tokens: list[Token], parser: Callable[[], Any]) -> dict[str, Any] | None:
    """The sequence options of an identity column, None if one is not understood."""
    options: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        word = _word(tokens[i])
        following = _word(_at(tokens, i + 1))
        if word in ("START", "INCREMENT", "MINVALUE", "MAXVALUE", "CACHE"):
            i += 2 if (word, following) in (("START", "WITH"), ("INCREMENT", "BY")) else 1
            value, i = _signed_number(tokens, i)
            if value is None:
                return None
            options[word.lower()] = value
        elif word == "NO" and following in ("MINVALUE", "MAXVALUE", "CYCLE"):
            options[following.lower()] = False
            i += 2
        elif word == "CYCLE":
            options["cycle"] = True
            i += 1
        elif word in ("AS", "SEQUENCE"):
            start = i + (2 if word == "SEQUENCE" and following == "NAME" else 1)
            end = start
            while end < len(tokens) and _word(tokens[end]) not in _IDENTITY_WORDS:
                end += 1
            into = exp.DataType if word == "AS" else exp.Table
            try:
                value = parser().parse_into(into, tokens[start:end])[0]
            except Exception:  # noqa: BLE001 - not understood: sqlglot reports it
                return None
            if value is None:
                return None
            options["data_type" if word == "AS" else "sequence_name"] = value
            i = end
        else:
            return None
    return options


def _signed_number(tokens: list[Token], i: int) -> tuple[exp.Expr | None, int]:
    sign = _at(tokens, i)
    negative = sign is not None and sign.token_type is TokenType.DASH
    if sign is not None and sign.token_type in (TokenType.DASH, TokenType.PLUS):
        i += 1
    number = _at(tokens, i)
    if number is None or number.token_type is not TokenType.NUMBER:
        return None, i
    value: exp.Expr = exp.Literal.number(number.text).update_positions(number)
    if negative:
        value = exp.Neg(this=value).update_positions(sign)
    return value, i + 1


def _set_identity_options(
    tree: exp.Expr | None, found: list[tuple[int, dict[str, Any]]]
) -> exp.Expr | None:
    if tree is None:
        return tree
    identities = [
        node
        for node in tree.walk(bfs=False)
        if isinstance(node, exp.GeneratedAsIdentityColumnConstraint)
        and node.args.get("expression") is None
    ]
    for index, options in found:
        if index < len(identities):
            for key, value in options.items():
                identities[index].set(key, value)
    return tree


def _rewrite_array_suffix(tokens: list[Token], types: list[TokenType]) -> list[Token]:
    """`int ARRAY` is Postgres for `int[]`; sqlglot only parses it before `)` or `[`."""
    out = list(tokens)
    for i in range(len(types) - 1, 0, -1):
        if types[i] is not TokenType.ARRAY:
            continue
        if _word(out[i - 1]) == "JSON" and i > 1 and types[i - 2] in (TokenType.IS, TokenType.NOT):
            continue  # `x IS [NOT] JSON ARRAY`: the predicate's kind
        if types[i - 1] is TokenType.ALIAS:  # `SELECT x AS array`: a column's name
            out[i] = _retyped(out[i], TokenType.VAR, out[i].text)
            continue
        if i + 1 == len(types) or types[i + 1] not in (TokenType.L_BRACKET, TokenType.L_PAREN):
            array = out[i]
            out[i : i + 1] = [
                _retyped(array, TokenType.L_BRACKET, "["),
                _retyped(array, TokenType.R_BRACKET, "]"),
            ]
    return out


def _object_identifier_arrays(
    tokens: list[Token], types: list[TokenType], fixups: list[Fixup]
) -> list[Token]:
    """`oid[]`, `regclass[][]`: sqlglot reads these types only bare, and `[]` after them as
    an empty subscript. The brackets are dropped, and each such type made an array of itself
    after parsing (the types in the order written, with their number of dimensions)."""
    dimensions: list[int] = []
    drop: list[int] = []
    n = len(types)
    for i in range(n):
        if types[i] is not TokenType.OBJECT_IDENTIFIER:
            continue
        k, count = i + 1, 0
        while k + 1 < n and types[k] is TokenType.L_BRACKET:
            close = k + 2 if types[k + 1] is TokenType.NUMBER else k + 1
            if close >= n or types[close] is not TokenType.R_BRACKET:
                break
            drop.extend(range(k, close + 1))
            count += 1
            k = close + 1
        dimensions.append(count)
    if not drop:
        return tokens
    fixups.append(partial(_object_identifier_array_types, dimensions=dimensions))
    return _without(tokens, drop)


def _object_identifier_array_types(tree: exp.Expr | None, dimensions: list[int]) -> exp.Expr | None:
    found = list(tree.find_all(exp.ObjectIdentifier, bfs=False)) if tree is not None else []
    for node, count in zip(found, dimensions, strict=False):
        if count:
            array: exp.Expr = node.copy()
            for _ in range(count):
                array = exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[array], nested=True)
            node.replace(array)
    return tree


# A word starting `_`, maybe quoted. The `_` comes first, so that the search skips to each
# `_` at C speed (a leading lookbehind tried at every character: 30 us per INSERT of a dump).
INTERNAL_ARRAY = re.compile(r"_(?<![\w$]_)[A-Za-z]")
_TYPED_AFTER = frozenset({"COLUMN", "ADD", "EXISTS", "TYPE", "DOMAIN"})


def rewrite_internal_arrays(tokens: list[Token]) -> list[Token]:
    """`_int4` is PostgreSQL's own name for `int4[]` (pg_dump and catalog queries write it):
    read as that array wherever a type is (after `::`, or after a column's name in a column
    definition), so that every rule on arrays sees it. The three tokens share the name's
    characters (the type all but its last two, then `[` and `]`), so that spans stay in it;
    parse.py keeps them as the statement's tokens, which the aligner of spans reads."""
    out = list(tokens)
    for i in range(len(out) - 1, 0, -1):
        token = out[i]
        named = token.token_type is TokenType.VAR or (
            token.token_type is TokenType.IDENTIFIER and token.text == token.text.lower()
        )
        element = named and internal_array_element(token.text)
        # `pg_catalog._int4` too: the type position is the schema's.
        qualified = i > 2 and out[i - 1].token_type is TokenType.DOT
        qualified = qualified and out[i - 2].text.lower() == "pg_catalog"
        if not element or not _in_type_position(out, i - 2 if qualified else i):
            continue
        kind = DSQL.Tokenizer.KEYWORDS.get(element.upper(), TokenType.VAR)
        end, line, col = token.end, token.line, token.col
        out[i : i + 1] = [
            Token(kind, element, line, col - 2, token.start, end - 2, token.comments),
            Token(TokenType.L_BRACKET, "[", line, col - 1, end - 1, end - 1),
            Token(TokenType.R_BRACKET, "]", line, col, end, end),
        ]
    return out


def _in_type_position(tokens: list[Token], i: int) -> bool:
    before = tokens[i - 1]
    if before.token_type is TokenType.DCOLON or before.text.upper() == "TYPE":
        return True
    if i > 2 and before.token_type is TokenType.ALIAS and tokens[i - 3].text.upper() == "DOMAIN":
        return True  # CREATE DOMAIN d AS _int4
    if i < 2 or not re.fullmatch(r'[\w$]+|"[^"]*"', before.text):
        return False
    opener = tokens[i - 2]
    return opener.token_type in (TokenType.L_PAREN, TokenType.COMMA) or (
        opener.text.upper() in _TYPED_AFTER
    )


# First words of PostgreSQL statements sqlglot does not model (it misreads `SAVEPOINT x` as
# a column alias, fails on `NOTIFY c, 'x'`): kept whole as an exp.Command, as sqlglot does
# for the statements it knows it cannot parse.
COMMAND_WORDS = frozenset(
    {
        "ABORT", "CALL", "CHECKPOINT", "CLUSTER", "DEALLOCATE", "DISCARD", "IMPORT", "LISTEN",
        "MOVE", "NOTIFY", "REASSIGN", "RELEASE", "SAVEPOINT", "SECURITY", "START", "UNLISTEN",
    }
)  # fmt: skip
# Objects whose CREATE sqlglot does not model and keeps as an exp.Command when it can: the
# forms it fails on instead (`commutator = =`, `join = f` of CREATE OPERATOR =, TRANSFORM's
# FOR) are kept so too.
_CREATED_WHOLE = frozenset({"OPERATOR", "TRANSFORM"})
_ROUTINES = frozenset({"FUNCTION", "PROCEDURE"})
# Transaction statements sqlglot parses, except for some modes: those become commands too.
_TRANSACTION = {
    TokenType.BEGIN: exp.Transaction,
    TokenType.COMMIT: exp.Commit,
    TokenType.END: exp.Commit,
    TokenType.ROLLBACK: exp.Rollback,
}


# COMMENT ON these names one of a table's objects, `name ON table`, which sqlglot cannot read.
_TABLE_OBJECTS = frozenset({"CONSTRAINT", "TRIGGER", "RULE", "POLICY"})


def _on_table_object(tokens: list[Token]) -> bool:
    """COMMENT ON CONSTRAINT c ON [DOMAIN] t IS '...' (pg_dump writes it), and the same of a
    trigger, rule or policy: kept as an exp.Command."""
    return len(tokens) > 3 and _word(tokens[1]) == "ON" and _word(tokens[2]) in _TABLE_OBJECTS


def _returns_setof_array(tokens: list[Token], types: list[TokenType]) -> bool:
    """`RETURNS SETOF integer[]`: sqlglot keeps a routine returning SETOF a type as text,
    but fails on an array type there."""
    if TokenType.L_BRACKET not in types:
        return False
    for k in positions(types, TokenType.VAR, 3):
        if _word(tokens[k]) == "SETOF" and _word(tokens[k - 1]) == "RETURNS":
            m = k + 1
            while m < len(types) and types[m] not in (TokenType.L_BRACKET, TokenType.ALIAS):
                m += 1
            return m < len(types) and types[m] is TokenType.L_BRACKET
    return False


def _created(tokens: list[Token]) -> str | None:
    """The kind of object a CREATE [OR REPLACE] statement creates (its first word)."""
    k = 3 if _word(_at(tokens, 1)) == "OR" and _word(_at(tokens, 2)) == "REPLACE" else 1
    return _word(_at(tokens, k))


def _command(tokens: list[Token], sql: str, parser: Any) -> exp.Expr:
    """The statement as sqlglot's exp.Command; for CALL, the call parsed too (args["call"])."""
    head, rest = tokens[0], tokens[1:]
    command = exp.Command(this=head.text.upper())
    if head.comments:
        command.add_comments(head.comments)
    if not rest:
        return command
    text = sql[rest[0].start : rest[-1].end + 1] if sql else " ".join(t.text for t in rest)
    command.set("expression", exp.Literal.string(text))
    if command.name == "CALL":
        try:
            call = parser.parse_into(exp.Condition, rest, sql)[0]
        except Exception:  # noqa: BLE001 - an unparsable call stays a plain command
            call = None
        if call is not None:
            command.set(CALL, call)
    return command


def _transaction(tokens: list[Token], sql: str, parser: Any, kind: type[exp.Expr]) -> exp.Expr:
    try:
        trees = parser.parse(tokens, sql)
    except Exception:  # noqa: BLE001 - e.g. BEGIN ISOLATION LEVEL READ UNCOMMITTED, READ ONLY
        trees = []
    tree = trees[0] if len(trees) == 1 else None
    return tree if isinstance(tree, kind) else _command(tokens, sql, parser)


def _rewrite(
    tokens: list[Token],
    types: list[TokenType],
    sql: str,
    sub_parser: Callable[[], Any],
    inner: Callable[[list[Token], str], Any] | None = None,
) -> tuple[list[Token], list[Fixup]]:
    """Postgres-parsable tokens for one statement, and the fixups to apply to its tree.
    `types` are the tokens' types: membership tests on them run at C speed. `inner` parses a
    statement nested in this one (COPY's) with the dialect."""
    fixups: list[Fixup] = []
    if not tokens:
        return tokens, fixups
    first = types[0]
    statement = None
    created = _created(tokens) if first is TokenType.CREATE else None
    kept_whole = (first is TokenType.VAR and tokens[0].text.upper() in COMMAND_WORDS) or (
        created in _CREATED_WHOLE or (created in _ROUTINES and _returns_setof_array(tokens, types))
    )
    if kept_whole or (first is TokenType.COMMENT and _on_table_object(tokens)):
        statement = _command(tokens, sql, sub_parser())
    elif first in _TRANSACTION:
        statement = _transaction(tokens, sql, sub_parser(), _TRANSACTION[first])
    elif first is TokenType.SET and _word(_at(tokens, 1)) == "TRANSACTION":
        # sqlglot reads some modes and keeps others as text, but fails on a list of them
        # (`READ ONLY, DEFERRABLE`): kept as text too.
        statement = _transaction(tokens, sql, sub_parser(), exp.Set)
    if statement is not None:
        # Built here: the Postgres parser only sees a placeholder, which keeps the count.
        return [_retyped(tokens[0], TokenType.NULL, "NULL")], [lambda _: statement]
    if first is TokenType.COPY and inner is not None:
        tokens = dml_forms.copy_of_changes(tokens, fixups, partial(inner, sql=sql))
        tokens = dml_forms.copy_options_without_with(tokens)
    elif first is TokenType.ANALYZE:
        tokens = utility_forms.analyze_options(tokens, sql, fixups)
    elif first is TokenType.SET and len(tokens) > 3:
        tokens = utility_forms.set_value_words(tokens)
    if TokenType.ARRAY in types:
        tokens = _rewrite_array_suffix(tokens, types)
        types = [tok.token_type for tok in tokens]
    if TokenType.OBJECT_IDENTIFIER in types and TokenType.L_BRACKET in types:
        tokens = _object_identifier_arrays(tokens, types, fixups)
        types = [tok.token_type for tok in tokens]
    if not expression_forms.WORDS.isdisjoint(types):
        rewritten = expression_forms.rewrite(tokens, types, fixups)
        if rewritten is not tokens:
            tokens, types = rewritten, [tok.token_type for tok in rewritten]
    if sql and operator_forms.IN_TEXT.search(sql, tokens[0].start, tokens[-1].end + 1):
        tokens = operator_forms.prefix_operators(tokens, sql, fixups)
        types = [tok.token_type for tok in tokens]
    if sql and pgforms.in_text(sql, tokens[0].start, tokens[-1].end + 1, _KNOWN_OPERATORS):
        tokens = pgforms.text_forms(tokens, sql, fixups, _KNOWN_OPERATORS)
        types = [tok.token_type for tok in tokens]
    # Within the tokens' text only: a long INSERT is parsed a chunk of rows at a time, and a
    # search of the whole statement per chunk made it quadratic.
    if sql and INTERNAL_ARRAY.search(sql, tokens[0].start, tokens[-1].end + 1) is not None:
        tokens = rewrite_internal_arrays(tokens)
        types = [tok.token_type for tok in tokens]
    if pgforms.needs_rewrite(types):
        tokens = pgforms.rewrite(tokens, sql, fixups, sub_parser)
        types = [tok.token_type for tok in tokens]
    if first is TokenType.CREATE and domains.is_domain(tokens):
        domain = domains.parse(tokens, sub_parser())
        if domain is not None:
            # Built here, like a command; the rewrites' fixups apply to it.
            fixups.insert(0, lambda _: domain)
            return [_retyped(tokens[0], TokenType.NULL, "NULL")], fixups
    if first is TokenType.CREATE and len(types) > 2:
        fixups.append(_relink_properties)
        tokens = _rewrite_create_index(tokens, types, fixups)
    elif first is TokenType.ALTER and len(types) > 2 and types[1] is TokenType.TABLE:
        tokens = _rewrite_alter_table(tokens, types, fixups)
    else:
        return tokens, fixups
    if (
        TokenType.ALIAS in types  # AS IDENTITY: a cheap test before the regex
        and sql
        and _IDENTITY_OPTIONS.search(sql, tokens[0].start, tokens[-1].end + 1)
    ):
        tokens = _rewrite_identity(tokens, fixups, sub_parser)
    if first is TokenType.ALTER and TokenType.COMMA in types:
        tokens = raw_actions.split_unread(tokens, sql, fixups, sub_parser)
    return tokens, fixups


# --- tokens -------------------------------------------------------------------------------------

# `$1`: a parameter. sqlglot takes `$1,$` for a dollar quote's opening tag, which PostgreSQL
# never does (a tag does not start with a digit): `IN ($1,$2)` fails to tokenize.
_PARAMETER = re.compile(r"\$(?=\d)")


def _parameter_signs(tokenize: Callable[[str], list[Token]], sql: str) -> list[Token]:
    """The tokens of `sql` read with each `$` before a digit as the parameter sign: the text
    tokenized with `?` there (one character each, so every position holds), then each `?` of
    those put back as the `$` it was, in a parameter's token or in a string's text."""
    signs = [m.start() for m in _PARAMETER.finditer(sql)]
    masked = _PARAMETER.sub("?", sql)
    tokens = tokenize(masked)
    at = set(signs)
    out: list[Token] = []
    for token in tokens:
        if token.start in at and token.end == token.start:
            token = _retyped(token, TokenType.PARAMETER, "$")
        elif "?" in token.text:
            # The text as read ends at the token's end (a command's rest is positioned there).
            k = masked.rfind(token.text, 0, token.end + 1)
            if k >= 0 and any(k <= p < k + len(token.text) for p in signs):
                token = Token(token.token_type, sql[k : k + len(token.text)], token.line,
                              token.col, token.start, token.end, token.comments)  # fmt: skip
        out.append(token)
    return out


# --- dialect ----------------------------------------------------------------------------------


class _Wrapper(type):
    """Metaclass: class attributes missing on a wrapper are read from the wrapped class."""

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls.__dict__["WRAPPED"], name)


class DSQL(Postgres):
    # PostgreSQL 16 reads `1_000` as the number 1000 (sqlglot's Postgres: 1 AS _000).
    NUMBERS_CAN_BE_UNDERSCORE_SEPARATED = True

    class Tokenizer(Postgres.Tokenizer):
        # Postgres turns everything after CALL into one string token; DSQL rules need the call.
        # PostgreSQL has no `SQL SECURITY` (MySQL's): `LANGUAGE sql SECURITY DEFINER` is a
        # language and then a security clause.
        KEYWORDS = {
            **{k: v for k, v in Postgres.Tokenizer.KEYWORDS.items() if k != "SQL SECURITY"},
            "CALL": TokenType.VAR,
            **dict.fromkeys(pgforms.OPERATORS, TokenType.OPERATOR),
        }

        def tokenize(self, sql: str) -> list[Token]:
            try:
                tokens = super().tokenize(sql)
            except TokenError:
                if _PARAMETER.search(sql) is None:
                    raise
                tokens = _parameter_signs(super().tokenize, sql)
            if integer_literals.may_have(sql):
                tokens = integer_literals.read(tokens, sql)
            return unicode_escapes.read(tokens) if unicode_escapes.may_have(sql) else tokens

    class Parser(metaclass=_Wrapper):
        WRAPPED = PostgresParser

        def __init__(self, **opts: Any) -> None:
            self._inner = PostgresParser(**opts)
            self._opts = opts
            self._sub: PostgresParser | None = None  # parses statements on their own

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def parse(self, raw_tokens: list[Token], sql: str) -> list[exp.Expr | None]:
            tokens, fixups = self._prepare(raw_tokens, sql or "")
            return _apply(self._inner.parse(tokens, sql), fixups)

        def parse_into(
            self, expression_types: Any, raw_tokens: list[Token], sql: str | None = None
        ) -> list[exp.Expr | None]:
            tokens, fixups = self._prepare(raw_tokens, sql or "")
            return _apply(self._inner.parse_into(expression_types, tokens, sql), fixups)

        def _nested(self, tokens: list[Token], sql: str) -> exp.Expr | None:
            """A statement inside another, parsed with the dialect's forms."""
            nested = DSQL.Parser(**{**self._opts, "error_level": ErrorLevel.IMMEDIATE})
            return nested.parse(tokens, sql)[0]

        def _sub_parser(self) -> PostgresParser:
            if self._sub is None:
                opts = {**self._opts, "error_level": ErrorLevel.IMMEDIATE}
                self._sub = PostgresParser(**opts)
            return self._sub

        def _prepare(
            self, raw_tokens: list[Token], sql: str
        ) -> tuple[list[Token], list[list[Fixup]]]:
            """Rewrites each statement; the fixups line up with the statements sqlglot parses,
            which it splits exactly like this (see Parser._parse)."""
            types = [tok.token_type for tok in raw_tokens]
            kinds = set(types)  # for the tests below, each a scan of the list
            if TokenType.SEMICOLON in kinds and TokenType.L_PAREN in kinds:
                raw_tokens = _enclosed_semicolons(raw_tokens, types)
                types = [tok.token_type for tok in raw_tokens]
                kinds = set(types)
            if TokenType.SEMICOLON not in kinds:  # one statement: the usual case
                if (
                    types
                    and types[0] not in _REWRITTEN_FIRST
                    and TokenType.ARRAY not in kinds
                    and TokenType.OBJECT_IDENTIFIER not in kinds
                    and expression_forms.WORDS.isdisjoint(kinds)
                    and not pgforms.needs_rewrite(types)
                    and not pgforms.in_text(sql, 0, len(sql), _KNOWN_OPERATORS)
                    and operator_forms.IN_TEXT.search(sql) is None
                ):
                    return raw_tokens, [[]]
                rewritten, fixes = _rewrite(raw_tokens, types, sql, self._sub_parser, self._nested)
                return rewritten, [fixes]
            nested = self._nested
            out: list[Token] = []
            fixups: list[list[Fixup]] = []
            begin = 0
            open_chunk = True
            total = len(raw_tokens)
            for i, token in enumerate(raw_tokens):
                if types[i] is not TokenType.SEMICOLON:
                    continue
                rewritten, fixes = _rewrite(raw_tokens[begin:i], types[begin:i], sql,
                                            self._sub_parser, nested)  # fmt: skip
                out.extend(rewritten)
                fixups.append(fixes)
                if token.comments:
                    fixups.append([])
                out.append(token)
                begin = i + 1
                open_chunk = i < total - 1
            if open_chunk:
                rewritten, fixes = _rewrite(raw_tokens[begin:], types[begin:], sql,
                                            self._sub_parser, nested)  # fmt: skip
                out.extend(rewritten)
                fixups.append(fixes)
            return out, fixups

    class Generator(metaclass=_Wrapper):
        WRAPPED = PostgresGenerator

        def __init__(self, **opts: Any) -> None:
            self._inner = PostgresGenerator(**opts)
            self._inner._dispatch = _dsql_dispatch(self._inner._dispatch)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def generate(self, expression: exp.Expr, copy: bool = True) -> str:
            return self._inner.generate(expression, copy=copy)


def _enclosed_semicolons(tokens: list[Token], types: list[TokenType]) -> list[Token]:
    """A `;` in parentheses ends no statement: it separates a rule's actions (`CREATE RULE r
    AS ON INSERT TO t DO INSTEAD (a; b)`), so it is read as a word of that statement."""
    out = tokens
    depth = 0
    for i, kind in enumerate(types):
        if kind is TokenType.L_PAREN:
            depth += 1
        elif kind is TokenType.R_PAREN:
            depth = max(depth - 1, 0)
        elif kind is TokenType.SEMICOLON and depth:
            if out is tokens:
                out = list(tokens)
            out[i] = _retyped(tokens[i], TokenType.VAR, ";")
    return out


def _apply(trees: list[exp.Expr | None], fixups: list[list[Fixup]]) -> list[exp.Expr | None]:
    if not any(fixups):
        return trees
    out = list(trees)
    for i, (tree, fixes) in enumerate(zip(trees, fixups, strict=False)):
        for fix in fixes:
            tree = fix(tree)
        out[i] = tree
    return out


# --- generation -------------------------------------------------------------------------------

Handler = Callable[[Any, exp.Expr], str]
_DISPATCH: dict[int, dict[type[exp.Expr], Handler]] = {}


def _dsql_dispatch(base: dict[type[exp.Expr], Handler]) -> dict[type[exp.Expr], Handler]:
    dispatch = _DISPATCH.get(id(base))
    if dispatch is None:
        dispatch = dict(base)
        create = _with_suffix(ddl_forms.TABLE_TAIL)(
            _with_async(_with_no_columns(base[exp.Create]), " INDEX")
        )
        dispatch[exp.Create] = domains.with_constraints(create)
        dispatch[exp.Alter] = _with_async(base[exp.Alter], "ALTER TABLE")
        rename = exp.RenameColumn
        dispatch[rename] = _without_column(base.get(rename, _method("renamecolumn_sql")))
        stamp = base[exp.CurrentTimestamp]
        dispatch[exp.CurrentTimestamp] = lambda gen, e: (
            f"CURRENT_TIMESTAMP({gen.sql(e, 'this')})" if e.this else stamp(gen, e)
        )  # the precision, which sqlglot's Postgres generator drops
        dispatch[exp.Drop] = _with_suffix(utility_forms.DATABASE_OPTIONS)(
            base.get(exp.Drop, _method("drop_sql"))
        )
        dispatch[exp.IndexParameters] = _with_nulls(base[exp.IndexParameters])
        dispatch[exp.Index] = _with_only(base[exp.Index])
        identity = exp.GeneratedAsIdentityColumnConstraint
        dispatch[identity] = _with_identity_options(base[identity])
        computed = exp.ComputedColumnConstraint
        dispatch[computed] = _with_virtual(base[computed])
        dispatch[exp.Insert] = _with_overriding(base[exp.Insert])
        dispatch[exp.When] = _with_overriding(base[exp.When])
        dispatch[exp.Operator] = _bare_operator(base[exp.Operator])
        dispatch[exp.Join] = _with_using_alias(base.get(exp.Join, _method("join_sql")))
        dispatch[exp.Anonymous] = _current_of(base.get(exp.Anonymous, _method("anonymous_sql")))
        dispatch[exp.Table] = _with_parameters(base.get(exp.Table, _method("table_sql")))
        dispatch[exp.CTE] = _with_search_cycle(base.get(exp.CTE, _method("cte_sql")))
        dispatch[exp.Ordered] = _with_using(base.get(exp.Ordered, _method("ordered_sql")))
        # Postgres generation rewrites SERIAL as an identity column; DSQL rejects SERIAL, and a
        # linter must show what was written.
        column = _with_storage(_with_options(PostgresGenerator.columndef_sql))
        dispatch[exp.ColumnDef] = _mode_after_name(column)
        exclude = exp.ExcludeColumnConstraint
        dispatch[exclude] = _with_attributes(
            base.get(exclude, _method("excludecolumnconstraint_sql"))
        )
        check = exp.CheckColumnConstraint
        dispatch[check] = _with_words(base.get(check, _method("checkcolumnconstraint_sql")))
        dispatch[exp.Property] = _bare_property(base.get(exp.Property, _method("property_sql")))
        # PostgreSQL has no COMPRESS: the constraint was read from COMPRESSION (pgforms).
        dispatch[exp.CompressColumnConstraint] = lambda gen, e: f"COMPRESSION {gen.sql(e, 'this')}"
        dispatch[exp.SqlSecurityProperty] = lambda gen, e: f"SECURITY {e.name}"
        dispatch[exp.Distinct] = _distinct
        dispatch[exp.Substring] = _similar(base.get(exp.Substring, _method("substring_sql")))
        values = base.get(exp.Values, _method("values_sql"))
        dispatch[exp.Values] = lambda gen, e: gen.prepend_ctes(e, values(gen, e))
        on_commit = exp.OnCommitProperty
        dispatch[on_commit] = _on_commit_drop(base.get(on_commit, _method("oncommitproperty_sql")))
        _DISPATCH[id(base)] = dispatch
    return dispatch


def _similar(handler: Handler) -> Handler:
    """SUBSTRING(s SIMILAR p ESCAPE e), read as its FROM ... FOR spelling."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        if not expression.args.get(query_forms.SIMILAR):
            return handler(gen, expression)
        this, pattern = gen.sql(expression, "this"), gen.sql(expression, "start")
        return f"SUBSTRING({this} SIMILAR {pattern} ESCAPE {gen.sql(expression, 'length')})"

    return sql


def _distinct(gen: Any, expression: exp.Expr) -> str:
    """`agg(DISTINCT a, b)` as written: sqlglot's Postgres generator writes the arguments as
    one row, `DISTINCT CASE WHEN a IS NULL ... ELSE (a, b) END`, which calls another function."""
    this = gen.expressions(expression, flat=True)
    on = gen.sql(expression, "on")
    return "DISTINCT" + (f" {this}" if this else "") + (f" ON {on}" if on else "")


def _with_async(handler: Handler, keyword: str) -> Handler:
    """ASYNC goes right after `keyword` (CREATE [UNIQUE] INDEX ASYNC, ALTER TABLE ASYNC)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        if expression.args.get(ASYNC) and keyword in text:
            text = text.replace(keyword, f"{keyword} ASYNC", 1)
        return text

    return sql


def _without_column(handler: Handler) -> Handler:
    """`RENAME a TO b`, a column's rename written without COLUMN (ddl_forms)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        if expression.args.get(ddl_forms.WITHOUT_COLUMN) and text.startswith("RENAME COLUMN "):
            return f"RENAME {text[len('RENAME COLUMN ') :]}"
        return text

    return sql


def _with_no_columns(handler: Handler) -> Handler:
    """`CREATE TABLE t ()` and `CREATE TYPE t AS ()`: the empty list, which sqlglot reads
    (an exp.Schema of no columns) but does not print (`CREATE TABLE t` is no statement,
    `CREATE TYPE t` a shell type)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        kind = expression.args.get("kind")
        schema = expression.this if kind == "TABLE" else expression.args.get("expression")
        if not isinstance(schema, exp.Schema) or schema.expressions:
            return text
        if kind == "TYPE" and schema.this is None:
            return f"{text} AS ()"
        if kind != "TABLE" or schema.this is None:
            return text
        name = gen.sql(schema, "this")
        at = text.find(f" {name}", text.find(" TABLE "))
        if at < 0:
            return text
        at += len(name) + 1
        return f"{text[:at]} (){text[at:]}"

    return sql


def _with_suffix(arg: str) -> Callable[[Handler], Handler]:
    """The text a form module kept in `arg` (CREATE TABLE's WITHOUT OIDS, ddl_forms; DROP
    DATABASE's options, utility_forms), written after the rest."""

    def wrap(handler: Handler) -> Handler:
        def sql(gen: Any, expression: exp.Expr) -> str:
            text = handler(gen, expression)
            suffix = expression.args.get(arg)
            return f"{text} {suffix}" if suffix else text

        return sql

    return wrap


def _on_commit_drop(handler: Handler) -> Handler:
    """ON COMMIT DROP, which sqlglot's property has no value for (ddl_forms)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        if expression.args.get(ddl_forms.ON_COMMIT_DROP):
            return "ON COMMIT DROP"
        return handler(gen, expression)

    return sql


def _with_nulls(handler: Handler) -> Handler:
    """NULLS [NOT] DISTINCT goes after INCLUDE (...) and before WITH/TABLESPACE/WHERE."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        distinct = expression.args.get(NULLS_DISTINCT)
        if distinct is None:
            return text
        nulls = " NULLS DISTINCT" if distinct else " NULLS NOT DISTINCT"
        # The same leading parts as Generator.indexparameters_sql.
        using = gen.sql(expression, "using")
        columns = gen.expressions(expression, key="columns", flat=True)
        include = gen.expressions(expression, key="include", flat=True)
        head = "".join(
            (
                f" USING {using}" if using else "",
                f"({columns})" if columns else "",
                f" INCLUDE ({include})" if include else "",
            )
        )
        if text.startswith(head):
            return f"{head}{nulls}{text[len(head) :]}"
        return f"{text}{nulls}"

    return sql


def _with_only(handler: Handler) -> Handler:
    """CREATE INDEX name ON ONLY t."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        if not expression.args.get("only"):
            return text
        name = gen.sql(expression, "this")
        on = f"{name} {gen.INDEX_ON} " if name else f"{gen.INDEX_ON} "
        if text.startswith(on):
            return f"{on}ONLY {text[len(on) :]}"
        return text

    return sql


def traced_generator(on_node: Callable[[exp.Expr, str], None], **opts: Any) -> Any:
    """A DSQL generator that reports every node it generates through a handler, with the SQL
    of that node as its parent writes it (spans use it to map nodes to source tokens)."""
    generator = DSQL().generator(**opts)
    inner = generator._inner
    inner._dispatch = {cls: _traced(handler, on_node) for cls, handler in inner._dispatch.items()}
    return generator


def _traced(handler: Handler, on_node: Callable[[exp.Expr, str], None]) -> Handler:
    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        on_node(expression, text)
        return text

    return sql


def _with_identity_options(handler: Handler) -> Handler:
    """GENERATED ... AS IDENTITY with all its sequence options, in pg_dump's order."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        args = expression.args
        if args.get("expression") is not None or expression.this is None:
            return handler(gen, expression)
        on_null = " ON NULL" if args.get("on_null") else ""
        kind = " ALWAYS" if expression.this else f" BY DEFAULT{on_null}"
        options = []
        for key, label in _IDENTITY_LABELS:
            value = args.get(key)
            if key in ("minvalue", "maxvalue", "cycle") and value is False:
                options.append(f"NO {key.upper()}")
            elif key == "cycle" and value:
                options.append("CYCLE")
            elif value is not None and value is not False:
                options.append(f"{label} {gen.sql(value)}")
        joined = f" ({' '.join(options)})" if options else ""
        return f"GENERATED{kind} AS IDENTITY{joined}"

    return sql


_IDENTITY_LABELS = (
    ("sequence_name", "SEQUENCE NAME"),
    ("data_type", "AS"),
    ("start", "START WITH"),
    ("increment", "INCREMENT BY"),
    ("minvalue", "MINVALUE"),
    ("maxvalue", "MAXVALUE"),
    ("cache", "CACHE"),
    ("cycle", "CYCLE"),
)


def _with_virtual(handler: Handler) -> Handler:
    """A virtual generated column, VIRTUAL as written or left out (PostgreSQL 18's default)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        virtual = expression.args.get(pgforms.VIRTUAL)
        if virtual is None:
            return handler(gen, expression)
        word = " VIRTUAL" if virtual else ""
        return f"GENERATED ALWAYS AS ({gen.sql(expression, 'this')}){word}"

    return sql


def _with_overriding(handler: Handler) -> Handler:
    """OVERRIDING SYSTEM|USER VALUE goes right after the target (and its column list); MERGE's
    WHEN ... THEN INSERT is written by the When handler."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        insert = expression.args.get("then") if isinstance(expression, exp.When) else expression
        if not isinstance(insert, exp.Insert):
            return text
        kind = insert.args.get(pgforms.OVERRIDING)
        target = gen.sql(insert, "this")
        at = text.find(target) if kind and target else -1
        if at < 0:
            return text
        at += len(target)
        return f"{text[:at]} OVERRIDING {kind} VALUE{text[at:]}"

    return sql


def _bare_operator(handler: Handler) -> Handler:
    """An operator written bare (`a <<| b`), which sqlglot only reads as OPERATOR(<<|)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        if not expression.args.get(pgforms.BARE):
            return handler(gen, expression)
        op = expression.args["operator"]
        return f"{gen.sql(expression, 'this')} {op} {gen.sql(expression, 'expression')}"

    return sql


def _with_using_alias(handler: Handler) -> Handler:
    """`JOIN b USING (i) AS x`: the alias the parser set aside (pgforms)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        alias = expression.args.get(pgforms.USING_ALIAS)
        text = handler(gen, expression)
        return f"{text} AS {alias}" if alias else text

    return sql


def _current_of(handler: Handler) -> Handler:
    """`WHERE CURRENT OF c` and a prefix operator, which the parser reads as calls,
    JSON_ARRAY's trailing clauses, which it sets aside (pgforms), and XML functions written
    with keywords."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        if expression.args.get(pgforms.CURRENT_OF):
            return f"CURRENT OF {gen.sql(expression.expressions[0])}"
        if expression.args.get(operator_forms.PREFIX):
            return f"{expression.name} {gen.sql(expression.expressions[0])}"
        template = expression.args.get(xml_forms.TEMPLATE)
        if template:
            return xml_forms.generate(gen, expression, template)
        text = handler(gen, expression)
        clauses = expression.args.get(pgforms.JSON_CLAUSES)
        if clauses and text.endswith(")"):
            text = f"{text[:-1]}{' ' if text[-2] != '(' else ''}{clauses})"
        return text

    return sql


def _with_parameters(handler: Handler) -> Handler:
    """One of the routines of `DROP FUNCTION a(int), b()`, with its types (routine_args)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        parameters = expression.args.get(routine_args.PARAMETERS)
        if parameters is None:
            return text
        return f"{text}({gen.expressions(expression, key=routine_args.PARAMETERS, flat=True)})"

    return sql


def _with_search_cycle(handler: Handler) -> Handler:
    """A recursive CTE's SEARCH and CYCLE clauses, as written (dml_forms)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        clauses = expression.args.get(dml_forms.SEARCH_CYCLE)
        return f"{text} {gen.sql(clauses)}" if clauses else text

    return sql


def _with_using(handler: Handler) -> Handler:
    """A sort key's `USING operator` (query_forms)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        operator = expression.args.get(query_forms.USING)
        this = gen.sql(expression, "this")
        if not operator or not text.startswith(this):
            return text
        return f"{this} USING {operator}{text[len(this) :]}"

    return sql


def _mode_after_name(handler: Handler) -> Handler:
    """A routine's parameter `a VARIADIC int[]`: the mode where it was written (pgforms)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        mode = expression.args.get(pgforms.MODE_AFTER_NAME)
        name = gen.sql(expression, "this")
        if not mode or not text.startswith(f"{mode} {name}"):
            return text
        return f"{name} {mode}{text[len(mode) + 1 + len(name) :]}"

    return sql


def _method(name: str) -> Handler:
    """A generation method sqlglot's Postgres generator has no TRANSFORMS entry for."""
    return lambda gen, expression: getattr(PostgresGenerator, name)(gen, expression)


def _with_words(handler: Handler) -> Handler:
    """CHECK (e) NO INHERIT NOT VALID."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        if expression.args.get(pgforms.NO_INHERIT):
            text = f"{text} NO INHERIT"
        return f"{text} NOT VALID" if expression.args.get(pgforms.NOT_VALID) else text

    return sql


def _with_storage(handler: Handler) -> Handler:
    """A column's `STORAGE mode`, after its type."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        if not expression.args.get(ddl_forms.STORAGE):
            return text
        typed = f"{gen.sql(expression, 'this')} {gen.sql(expression, 'kind')}"
        storage = gen.sql(expression, ddl_forms.STORAGE)
        return f"{typed} {storage}{text[len(typed) :]}"

    return sql


def _with_attributes(handler: Handler) -> Handler:
    """An exclusion constraint's DEFERRABLE, INITIALLY ..."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        if not expression.args.get(ddl_forms.ATTRIBUTES):
            return text
        return f"{text} {gen.sql(expression, ddl_forms.ATTRIBUTES)}"

    return sql


def _bare_property(handler: Handler) -> Handler:
    """A storage parameter written without a value: WITH (oids)."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        if expression.args.get(pgforms.BARE):
            return gen.sql(expression, "this")
        return handler(gen, expression)

    return sql


def _with_options(handler: Handler) -> Handler:
    """A partition's or typed table's column: `c WITH OPTIONS constraints`."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        if not expression.args.get(pgforms.WITH_OPTIONS):
            return text
        name = gen.sql(expression, "this")
        return f"{name} WITH OPTIONS{text[len(name) :]}"

    return sql


# Operators the tokenizer reads as one token: a run of operator characters that is one of them
# needs no rewrite.
_KNOWN_OPERATORS = frozenset(
    word
    for word in (*DSQL.Tokenizer.KEYWORDS, *DSQL.Tokenizer.SINGLE_TOKENS)
    if word and all(c in pgforms.OPERATOR_CHARS for c in word)
)
