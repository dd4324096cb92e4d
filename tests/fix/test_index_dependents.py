"""A column that an index ties to its type (a method, an operator class, an expression) keeps
the type a DSQL105 fix would change (`fix --unsafe-fixes`), and the fixed file still loads
into PostgreSQL: `text` has no GiST operator class, and no `inet_ops` or `masklen()`."""

from __future__ import annotations

from fixkit import fix_text
from pgproof import prove
from postgres import create_database, serving

SCHEMA = """CREATE TABLE film (id uuid PRIMARY KEY, fulltext tsvector NOT NULL);
CREATE INDEX ASYNC film_fulltext_idx ON film USING gist (fulltext);
CREATE TABLE hosts (id uuid PRIMARY KEY, ip inet, seen inet, net cidr);
CREATE INDEX ASYNC hosts_ip_idx ON hosts (ip inet_ops);
CREATE INDEX ASYNC hosts_net_idx ON hosts ((masklen(net)));
CREATE INDEX ASYNC hosts_seen_idx ON hosts (seen);
"""


def test_indexed_columns_keep_their_type_and_the_file_still_loads() -> None:
    result = fix_text(SCHEMA, unsafe=True)
    assert "fulltext tsvector NOT NULL" in result.text
    assert "ip inet, seen text, net cidr" in result.text  # only the plain btree key changes
    with serving() as server:
        proof = prove(lambda: create_database(server), result)
    assert not proof.after and not proof.before, proof
