"""DSQL's fixes said in a `schema.prisma`: edits of the schema, never of the SQL Prisma writes.

Each function takes the schema's text and the offset of a finding in it and returns the edits
(start, end, text) with what they do, or why there is none. fix/prisma.py applies them one at
a time and lints the schema again after each.
"""

from __future__ import annotations

import json
import re

from dsql_lint.orm.prisma import _Block, _blocks, _Field, _to_string

Edits = list[tuple[int, int, str]]
Found = tuple[Edits, str] | str

# `@db.` native types DSQL does not store, and what the field's attribute becomes: a type
# DSQL stores, or "" for none (Prisma's own type for the field: TEXT for a String).
NATIVE = {
    "@db.Money": "@db.Decimal(19, 2)",
    "@db.Xml": "",
    "@db.Inet": "",
    "@db.Citext": "",
    "@db.Bit": "",
    "@db.VarBit": "",
}
UNSUPPORTED = (
    "`Unsupported(...)` has no Prisma type to become: replace the field by hand with one "
    "DSQL stores (`String`, `Json`, or fields of their own)"
)


def json_list(text: str, at: int) -> Found:
    """A scalar list (`String[]`, which Prisma writes as a nullable array column) made
    `Json?`, which Prisma writes as a nullable JSONB column: the column the SQL fix of the
    migration writes (DSQL102 `--array-to jsonb`), so that `prisma migrate dev` sees no drift
    between them. Its `@default([...])` becomes the same list as a JSON string; none is added
    (a later migration could not add the column with one: DSQL refuses ADD COLUMN ... DEFAULT)."""
    found = _field_at(text, at)
    if found is None or not found[1].list:
        return "no scalar list there"
    model, item = found
    end = item.type_start + len(item.type) + 2  # the type and its []
    edits = [edit for edit in _to_string(text, item) if edit[0] != item.type_start]
    default = item.attr("@default")
    value = "none"
    if default is not None:
        try:
            value = json.dumps(json.loads(default.args))
        except ValueError:
            return f"the default `{default.args}` of `{model.name}.{item.name}` is not JSON"
        edits.append((default.start, default.end, f"@default({_string(value)})"))
    edits.append((item.type_start, end, "Json?" + " " * max(0, len(item.type) - 3)))
    return edits, f"`{model.name}.{item.name}`: `{item.type}[]` -> `Json?` (default {value})"


def enum_to_string(text: str, at: int) -> Found:
    """An `enum` (a CREATE TYPE, which DSQL refuses) removed, each field of its type made
    `String` with its default the value's string; Prisma creates every enum of the schema,
    used or not, so the block goes."""
    blocks = _blocks(text)
    enum = next((b for b in blocks if b.kind == "enum" and b.start <= at < b.end), None)
    if enum is None:
        return "no enum there"
    values = {value.name: _stored(text, value) for value in enum.fields}
    start, end = _documented(text, enum.start), _after_block(text, enum)
    if not text[end:].strip():  # the last block: the blank lines before it go too
        start = len(text[:start].rstrip("\n")) + 1 if text[:start].strip() else 0
        end = len(text)
    edits: Edits = [(start, end, "")]
    users = []
    for model in (b for b in blocks if b.kind in ("model", "type")):
        for item in model.fields:
            if item.type != enum.name:
                continue
            if item.list:
                return f"`{model.name}.{item.name}` is a list of `{enum.name}`"
            edits.extend(_to_string(text, item))
            default = item.attr("@default")
            if default is not None and default.args in values:
                said = _string(values[default.args])
                edits.append((default.start, default.end, f"@default({said})"))
            users.append(f"{model.name}.{item.name}")
    fields = ", ".join(users) or "no field"
    return edits, f"`enum {enum.name}` removed; {fields} -> `String`"


def native_type(text: str, at: int) -> Found:
    """A `@db.` native type DSQL does not store, replaced or dropped."""
    found = _field_at(text, at)
    if found is None:
        return "no field there"
    model, item = found
    if item.type.startswith("Unsupported("):
        return UNSUPPORTED
    native = next((a for a in item.attrs if a.name in NATIVE), None)
    if native is None:
        return f"`{model.name}.{item.name}` has no `@db.` type DSQL lacks"
    written = text[native.start : native.end]
    becomes = NATIVE[native.name]
    if becomes:
        edit = (native.start, native.end, becomes)
        return [edit], f"`{model.name}.{item.name}`: `{written}` -> `{becomes}`"
    start = len(text[: native.start].rstrip(" \t"))
    return [(start, native.end, "")], f"`{model.name}.{item.name}`: `{written}` dropped"


def _field_at(text: str, at: int) -> tuple[_Block, _Field] | None:
    """The model field whose line holds `at`."""
    for block in _blocks(text):
        if block.kind not in ("model", "type") or not block.start <= at < block.end:
            continue
        for item in block.fields:
            line_end = text.find("\n", item.start)
            if item.start <= at < (line_end if line_end >= 0 else len(text)):
                return block, item
    return None


def _stored(text: str, value: _Field) -> str:
    """What the database holds for an enum value: its `@map("...")`, else its name."""
    end = text.find("\n", value.start)
    line = text[value.start : end if end >= 0 else len(text)]
    mapped = re.search(r'@map\(\s*"([^"]*)"\s*\)', line)
    return mapped.group(1) if mapped else value.name


def _documented(text: str, start: int) -> int:
    """Where a block starts with the `///` doc comment lines right above it, which belong to
    it (left behind, they would document the next block)."""
    while start > 0:
        above = text.rfind("\n", 0, start - 1) + 1
        if not text[above:start].lstrip(" \t").startswith("///"):
            break
        start = above
    return start


def _after_block(text: str, block: _Block) -> int:
    """The end of a block with its line break and one blank line after it."""
    end = block.end
    for _ in range(2):
        if text.startswith("\n", end):
            end += 1
    return end


def _string(value: str) -> str:
    """A Prisma string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
