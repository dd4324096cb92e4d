"""Generate a deterministic `pg_dump --inserts` style dump: a few tables, then rows as INSERTs.

    python bench/gen_inserts.py OUT.sql [--rows 100000] [--seed 20261201] [--form inserts]

The same arguments always give the same file, byte for byte (100,000 rows: about 13 MB).
It is the input of `bench/run.py --memory`: what a linter keeps per statement shows up as
peak memory growing with the file. The other `--form`s hold the rows of a two-column table
as one statement, where what a linter builds for one statement, and any cost that grows
faster than its size, shows up (240,000 rows: about 5 MB):
- `one-line`: one `INSERT INTO t VALUES (...),(...)` on one line, a seed file's form;
- `lines`: the same INSERT with a row on each line;
- `copy`: a `COPY t (...) FROM stdin` block of tab-separated rows, as pg_dump writes them.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

DEFAULT_ROWS = 100_000
DEFAULT_SEED = 20261201
# The dump's shape, and the name of its cached file.
FORMS = {"inserts": "inserts", "one-line": "values", "lines": "values_lines", "copy": "copy"}

HEADER = """\
--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;

CREATE TABLE public.customers (
    id bigint NOT NULL,
    email character varying(255) NOT NULL,
    full_name text,
    country character(2),
    created_at timestamp with time zone NOT NULL
);

CREATE TABLE public.orders (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    status text NOT NULL,
    total numeric(12,2) NOT NULL,
    note text,
    placed_at timestamp with time zone NOT NULL
);

CREATE TABLE public.events (
    id uuid NOT NULL,
    order_id bigint,
    kind text NOT NULL,
    payload jsonb,
    recorded_at timestamp without time zone NOT NULL
);

--
-- Data for Name: customers, orders, events
--

"""

FIRST = ("ada", "grace", "alan", "edsger", "barbara", "donald", "frances", "ken", "john")
LAST = ("lovelace", "hopper", "turing", "dijkstra", "liskov", "knuth", "allen", "thompson")
COUNTRIES = ("FR", "DE", "US", "JP", "BR", "IN", "NG", "SE")
STATUSES = ("pending", "paid", "shipped", "delivered", "refunded", "cancelled")
KINDS = ("created", "paid", "packed", "shipped", "delivered", "returned")
NOTES = ("leave at the door", "gift wrap", "call before delivery", "fragile", "it's urgent")


def _timestamp(rng: random.Random) -> str:
    return (
        f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def rows(count: int, seed: int) -> Iterator[str]:
    """`count` INSERT statements, a customer, then orders and events, in turn."""
    rng = random.Random(seed)
    customers = orders = 0
    for n in range(count):
        if n % 5 == 0:
            customers += 1
            first, last = rng.choice(FIRST), rng.choice(LAST)
            values = [
                str(customers),
                _quote(f"{first}.{last}.{customers}@example.com"),
                _quote(f"{first.title()} {last.title()}"),
                _quote(rng.choice(COUNTRIES)),
                _quote(_timestamp(rng) + "+00"),
            ]
            table = "customers"
        elif n % 5 in (1, 2):
            orders += 1
            note = _quote(rng.choice(NOTES)) if rng.random() < 0.3 else "NULL"
            values = [
                str(orders),
                str(rng.randint(1, customers)),
                _quote(rng.choice(STATUSES)),
                f"{rng.randint(100, 99_999) / 100:.2f}",
                note,
                _quote(_timestamp(rng) + "+00"),
            ]
            table = "orders"
        else:
            parts = (rng.getrandbits(bits) for bits in (32, 16, 12, 12, 48))
            uuid = "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}".format(*parts)
            payload = f'{{"by": "{rng.choice(FIRST)}", "step": {rng.randint(1, 9)}}}'
            values = [
                _quote(uuid),
                str(rng.randint(1, max(orders, 1))),
                _quote(rng.choice(KINDS)),
                _quote(payload),
                _quote(_timestamp(rng)),
            ]
            table = "events"
        yield f"INSERT INTO public.{table} VALUES ({', '.join(values)});\n"


def statuses(count: int, seed: int) -> Iterator[tuple[int, str]]:
    """`count` rows of a two-column table: an id and a status."""
    rng = random.Random(seed)
    for n in range(1, count + 1):
        yield n, rng.choice(STATUSES) + str(rng.randint(1, 99))


def write_inserts(
    path: Path, count: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED, form: str = "inserts"
) -> None:
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}: one of {', '.join(FORMS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        if form == "inserts":
            out.write(HEADER)
            out.writelines(rows(count, seed))
            return
        out.write("CREATE TABLE public.statuses (id bigint PRIMARY KEY, status text);\n")
        if form == "copy":
            out.write("COPY public.statuses (id, status) FROM stdin;\n")
            out.writelines(f"{n}\t{status}\n" for n, status in statuses(count, seed))
            out.write("\\.\n")
            return
        out.write("INSERT INTO public.statuses VALUES" + (" " if form == "one-line" else "\n"))
        listed = (f"({n},{_quote(status)})" for n, status in statuses(count, seed))
        out.write(("," if form == "one-line" else ",\n").join(listed))
        out.write(";\n")


def cached_inserts(
    directory: Path, count: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED, form: str = "inserts"
) -> Path:
    """The dump for (count, seed, form) under `directory`, regenerated if this generator
    changed."""
    path = directory / f"{FORMS[form]}_{count}_{seed}.sql"
    if not path.exists() or path.stat().st_mtime < Path(__file__).stat().st_mtime:
        write_inserts(path, count, seed, form)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="file to write")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--form", choices=FORMS, default="inserts", help="an INSERT a row, or one statement"
    )
    args = parser.parse_args(argv)
    write_inserts(args.out, args.rows, args.seed, args.form)


if __name__ == "__main__":
    main()
