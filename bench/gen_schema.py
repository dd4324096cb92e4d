"""Generate a large, deterministic PostgreSQL schema for benchmarking linters.

    python bench/gen_schema.py OUT.sql [--lines 100000] [--seed 20261001]

The same seed and line count always give the same file, byte for byte. The schema mixes
what real migrations contain: CREATE TABLE with serial/bigserial keys, foreign keys,
jsonb, arrays, varchar(n), numeric, timestamps and defaults; plain and unique (sometimes
partial or GIN) indexes; ALTER TABLE ADD COLUMN / ADD CONSTRAINT; BEGIN/COMMIT blocks;
line and block comments; now and then a plpgsql function, a trigger or a view.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

DEFAULT_LINES = 100_000
DEFAULT_SEED = 20261001

WORDS = (
    "account", "invoice", "payment", "customer", "order", "item", "product", "price",
    "wallet", "event", "session", "user", "team", "project", "task", "comment", "tag",
    "note", "plan", "charge", "coupon", "tax", "credit", "fee", "refund", "subscription",
    "webhook", "export", "import", "report", "audit", "address", "device", "token",
)  # fmt: skip

COLUMN_TYPES = (
    ("text", "''"),
    ("varchar({n})", "'unknown'"),
    ("integer", "0"),
    ("bigint", "0"),
    ("boolean", "false"),
    ("numeric({p},{s})", "0"),
    ("jsonb", "'{{}}'::jsonb"),
    ("text[]", "'{{}}'::text[]"),
    ("timestamp without time zone", "now()"),
    ("timestamp with time zone", "CURRENT_TIMESTAMP"),
    ("date", "CURRENT_DATE"),
    ("uuid", "gen_random_uuid()"),
    ("double precision", "0.0"),
    ("smallint", "1"),
)


class SchemaGenerator:
    """Emits statements (as lists of lines) until asked to stop."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.tables: list[str] = []
        self.columns: dict[str, list[tuple[str, str]]] = {}
        self.serial = 0

    def name(self, prefix: str = "") -> str:
        self.serial += 1
        return f"{prefix}{self.rng.choice(WORDS)}_{self.rng.choice(WORDS)}_{self.serial}"

    def column_type(self) -> tuple[str, str]:
        template, default = self.rng.choice(COLUMN_TYPES)
        precision = self.rng.randint(8, 18)
        ctype = template.format(
            n=self.rng.choice((32, 64, 255, 1024)),
            p=precision,
            s=self.rng.randint(0, min(6, precision)),
        )
        return ctype, default.format()

    def column_line(self, table: str) -> str:
        suffix = self.rng.choice(("id", "at", "name", "data", "ref", "n"))
        col = f"{self.rng.choice(WORDS)}_{suffix}_{len(self.columns[table])}"
        ctype, default = self.column_type()
        self.columns[table].append((col, ctype))
        parts = [f"    {col} {ctype}"]
        if self.rng.random() < 0.4:
            parts.append("NOT NULL")
        if self.rng.random() < 0.35:
            parts.append(f"DEFAULT {default}")
        return " ".join(parts)

    def create_table(self) -> list[str]:
        table = self.name("t_")
        self.columns[table] = []
        key = self.rng.choice(("serial", "bigserial", "bigserial", "uuid", "bigint"))
        key_default = " DEFAULT gen_random_uuid()" if key == "uuid" else ""
        lines = [f"CREATE TABLE public.{table} (", f"    id {key} PRIMARY KEY{key_default},"]
        body = [self.column_line(table) for _ in range(self.rng.randint(3, 12))]
        if self.tables and self.rng.random() < 0.6:
            parent = self.rng.choice(self.tables)
            on_delete = self.rng.choice(("", " ON DELETE CASCADE", " ON DELETE SET NULL"))
            body.append(f"    {parent}_id bigint REFERENCES public.{parent}(id){on_delete}")
        if self.rng.random() < 0.15:
            body.append(f"    CONSTRAINT {table}_chk CHECK (id > 0)")
        body.append("    created_at timestamp(6) without time zone DEFAULT now() NOT NULL")
        lines += [f"{line}," for line in body[:-1]] + [body[-1], ");"]
        self.tables.append(table)
        return lines

    def pick_table(self) -> str:
        """Mostly the table just created, as a migration would."""
        return self.tables[-1] if self.rng.random() < 0.7 else self.rng.choice(self.tables)

    def create_index(self) -> list[str]:
        table = self.pick_table()
        cols = self.columns[table] or [("id", "bigint")]
        picked = self.rng.sample(cols, k=min(len(cols), self.rng.randint(1, 3)))
        unique = "UNIQUE " if self.rng.random() < 0.25 else ""
        index = self.name("ix_")
        if picked[0][1] == "jsonb" and self.rng.random() < 0.5:
            return [f"CREATE INDEX {index} ON public.{table} USING gin ({picked[0][0]});"]
        where = " WHERE (id > 0)" if self.rng.random() < 0.1 else ""
        names = ", ".join(col for col, _ in picked)
        return [f"CREATE {unique}INDEX {index} ON public.{table} USING btree ({names}){where};"]

    def alter_table(self) -> list[str]:
        table = self.pick_table()
        if len(self.tables) > 1 and self.rng.random() < 0.3:
            parent = self.rng.choice(self.tables)
            return [
                f"ALTER TABLE ONLY public.{table}",
                f"    ADD CONSTRAINT fk_{self.serial}_{parent} FOREIGN KEY (id)"
                f" REFERENCES public.{parent}(id);",
            ]
        col = f"extra_{self.rng.choice(WORDS)}_{self.serial}"
        self.serial += 1
        ctype, default = self.column_type()
        self.columns[table].append((col, ctype))
        suffix = f" DEFAULT {default}" if self.rng.random() < 0.3 else ""
        return [f"ALTER TABLE public.{table} ADD COLUMN {col} {ctype}{suffix};"]

    def function(self) -> list[str]:
        fn = self.name("fn_")
        return [
            f"CREATE OR REPLACE FUNCTION public.{fn}() RETURNS trigger",
            "    LANGUAGE plpgsql",
            "    AS $$",
            "BEGIN",
            "  -- keep updated_at fresh; a ';' inside the body must not end the statement",
            "  NEW.created_at := now();",
            "  RETURN NEW;",
            "END;",
            "$$;",
        ]

    def view(self) -> list[str]:
        table = self.rng.choice(self.tables)
        return [
            f"CREATE VIEW public.{self.name('v_')} AS",
            f"  SELECT id, created_at FROM public.{table}",
            "  WHERE created_at > now() - interval '30 days';",
        ]

    def comment(self) -> list[str]:
        if self.rng.random() < 0.5:
            return [f"-- {self.rng.choice(WORDS)}: generated migration step {self.serial}"]
        return ["/*", f" * {self.rng.choice(WORDS)} module, step {self.serial}", " */"]

    def group(self) -> list[str]:
        """A migration-like group of statements, sometimes inside BEGIN/COMMIT."""
        lines = self.comment()
        stmts = [self.create_table()]
        for _ in range(self.rng.randint(0, 3)):
            stmts.append(self.create_index())
        if self.rng.random() < 0.5:
            stmts.append(self.alter_table())
        if self.rng.random() < 0.04:
            stmts.append(self.function())
        if self.rng.random() < 0.04:
            stmts.append(self.view())
        in_tx = self.rng.random() < 0.3
        if in_tx:
            lines.append("BEGIN;")
        for stmt in stmts:
            lines += stmt
        if in_tx:
            lines.append("COMMIT;")
        lines.append("")
        return lines


def generate(lines: int = DEFAULT_LINES, seed: int = DEFAULT_SEED) -> Iterator[str]:
    """Yield about `lines` lines (stops at the first group boundary past it)."""
    gen = SchemaGenerator(seed)
    header = [
        "-- Generated by bench/gen_schema.py: a synthetic schema for benchmarks.",
        f"-- seed={seed} lines={lines}",
        "SET statement_timeout = 0;",
        "SET client_encoding = 'UTF8';",
        "",
    ]
    yield from header
    count = len(header)
    while count < lines:
        for line in gen.group():
            yield line
            count += 1


def write_schema(path: Path, lines: int = DEFAULT_LINES, seed: int = DEFAULT_SEED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for line in generate(lines, seed):
            out.write(line + "\n")
    return path


def cached_schema(directory: Path, lines: int = DEFAULT_LINES, seed: int = DEFAULT_SEED) -> Path:
    """The schema for (lines, seed) under `directory`, regenerated if this generator changed."""
    path = directory / f"schema_{lines}_{seed}.sql"
    if not path.exists() or path.stat().st_mtime < Path(__file__).stat().st_mtime:
        write_schema(path, lines, seed)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="file to write")
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    write_schema(args.out, args.lines, args.seed)


if __name__ == "__main__":
    main()
