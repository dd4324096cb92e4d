"""PostgreSQL's built-in type names: the name the server prints for a type however it was
written (`int4`, `_int4`, `int ARRAY`), and the internal names of their array types."""

from __future__ import annotations

import re

# Spellings of a built-in type -> the name format_type gives it (without modifiers, as in
# "datatype integer[] not supported" for an int[] column: dsql-facts.md).
_PRINTED = {
    "int": "integer",
    "int4": "integer",
    "int2": "smallint",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "float": "double precision",
    "bool": "boolean",
    "varchar": "character varying",
    "char": "character",
    "bpchar": "character",
    "varbit": "bit varying",
    "decimal": "numeric",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "timetz": "time with time zone",
}
_BUILTIN = frozenset(
    {
        *_PRINTED, "integer", "smallint", "bigint", "real", "numeric", "boolean", "text",
        "bytea", "date", "interval", "uuid", "json", "jsonb", "inet", "cidr", "macaddr",
        "macaddr8", "money", "xml", "bit", "tsvector", "tsquery", "point", "line", "lseg",
        "box", "path", "polygon", "circle", "oid", "name", "pg_lsn", "int4range",
        "int8range", "numrange", "tsrange", "tstzrange", "daterange", "jsonpath",
    }
)  # fmt: skip
# `_int4`: PostgreSQL names each type's array type by an underscore before its name.
INTERNAL_ARRAY = re.compile(r"_(?P<element>[a-z][a-z0-9]*)")


def internal_array_element(name: str) -> str | None:
    """The element type of a built-in type's internal array name (`_int4`: `int4`)."""
    found = INTERNAL_ARRAY.fullmatch(name.lower())
    element = found and found.group("element")
    return element if element in _BUILTIN else None


def canonical(written: str) -> str | None:
    """The name PostgreSQL prints for the type written `written` (`"pg_catalog"."int4"[]`:
    `integer[]`), without its modifiers; None when it is not a type name."""
    text = re.sub(r"\s+ARRAY\b(\s*\[\s*\d*\s*\])?", "[]", written.strip(), flags=re.I)
    array = re.search(r"(\s*\[\s*\d*\s*\])+$", text)
    if array is not None:
        text = text[: array.start()]
    # float(p) is real up to p = 24, double precision above (PostgreSQL's datatype docs).
    text = re.sub(r"\bfloat\s*\(\s*0*(?:[1-9]|1\d|2[0-4])\s*\)", "real", text, flags=re.I)
    text = re.sub(r"\s*\([\d\s,]*\)", " ", text).strip()  # modifiers: numeric(10, 2)
    text = re.sub(r'^(?:"pg_catalog"|pg_catalog)\s*\.\s*', "", text, flags=re.I)
    if re.fullmatch(r'"[^"]+"', text):
        name = text[1:-1]
    elif re.fullmatch(r"[A-Za-z_][\w$]*(?:\s+[A-Za-z_][\w$]*)*", text):
        name = " ".join(text.lower().split())
    else:
        return None
    element = internal_array_element(name)
    if element is not None:
        name, array = element, array or True
    name = _PRINTED.get(name, name)
    return f"{name}[]" if array else name
