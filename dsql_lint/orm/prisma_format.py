"""The alignment `prisma format` gives a block's fields, restored after a fix changed them.

As Prisma 6's formatter writes them (checked against `prisma format`, tests/data): the
fields of a block are aligned in groups of consecutive lines (a blank line or a block
attribute `@@...` ends a group; comment lines do not), each line its name padded to the
group's longest name, then its type padded to the longest type when attributes or a comment
follow, the attributes one space apart, a trailing comment one space after them. Enum values
are aligned the same way, without a type. Only the blocks a fix changed are touched.
"""

from __future__ import annotations

import re

from dsql_lint.orm.prisma import _attrs, _blocks, _code

INDENT = "  "
Row = tuple[str, str, str, str]  # name, type ("" for an enum value), attributes, comment
_FIELD = re.compile(
    r"[ \t]*(\w+)[ \t]+(Unsupported\(\s*\"(?:[^\"\\]|\\.)*\"\s*\)[?]?|[\w.]+(?:\[\])?[?!]?)"
)
_VALUE = re.compile(r"[ \t]*(\w+)")


def alignment(before: str, after: str) -> list[tuple[int, int, str]]:
    """The edits of `after` (each a whole line) that align the model, type and enum blocks
    that differ from `before`."""
    old = {(b.kind, b.name): before[b.start : b.end] for b in _blocks(before)}
    edits = []
    for block in _blocks(after):
        if block.kind not in ("model", "type", "enum"):
            continue
        if old.get((block.kind, block.name)) == after[block.start : block.end]:
            continue
        at = block.body_start
        body = after[at : block.end]
        for line, aligned in zip(
            body.split("\n"), _aligned(body, block.kind == "enum"), strict=True
        ):
            if line != aligned:
                edits.append((at, at + len(line), aligned))
            at += len(line) + 1
    return edits


def _aligned(body: str, enum: bool) -> list[str]:
    """The lines of a block's body (after its `{`, up to and with its `}`), its groups
    aligned."""
    lines = body.split("\n")
    rows: list[tuple[str, str, str, str] | None] = []  # name, type, rest; None: not a field
    for line in lines:
        rows.append(_row(line, enum))
    out = list(lines)
    group: list[int] = []
    for k, line in enumerate([*lines, ""]):
        row = rows[k] if k < len(lines) else None
        if row is not None:
            group.append(k)
        elif not line.strip().startswith("//") or k == len(lines):
            _write(out, rows, group, enum)
            group = []
    return out


def _row(line: str, enum: bool) -> Row | None:
    code = _code(line)
    stripped = code.strip()
    if not stripped or stripped.startswith(("@@", "}")):
        return None
    found = (_VALUE if enum else _FIELD).match(code)
    if found is None:
        return None
    kind = "" if enum else found.group(2)
    attrs = [code[a.start : a.end] for a in _attrs(code[found.end() :], found.end())]
    written = " ".join(attrs)
    if re.sub(r"\s+", "", code[found.end() :]) != re.sub(r"\s+", "", written):
        return None  # something after the type that is not an attribute: left as written
    return found.group(1), kind, written, line[len(code) :].strip()


def _write(out: list[str], rows: list[Row | None], group: list[int], enum: bool) -> None:
    if not group:
        return
    found = [rows[k] for k in group]
    names = max(len(c[0]) for c in found if c)
    kinds = max(len(c[1]) for c in found if c)
    for k, cell in zip(group, found, strict=True):
        assert cell is not None
        name, kind, attrs, comment = cell
        # A field's name is always padded, its type only when attributes follow (a comment
        # alone follows after one space); an enum value only when attributes follow.
        if enum:
            parts = [name.ljust(names), attrs] if attrs else [name]
        else:
            parts = (
                [name.ljust(names), kind.ljust(kinds), attrs]
                if attrs
                else [name.ljust(names), kind]
            )
        out[k] = INDENT + " ".join([*parts, *([comment] if comment else [])])
