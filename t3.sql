CREATE TABLE t1 (id int, PRIMARY KEY (id) WITH (fillfactor=70));
CREATE TABLE t2 (id int PRIMARY KEY, x int UNIQUE WITH (fillfactor=70));
CREATE TABLE t3 (id int PRIMARY KEY, x int, CONSTRAINT u UNIQUE (x) WITH (deduplicate_items = off));
CREATE TABLE t4 (id int PRIMARY KEY USING INDEX TABLESPACE foo);
CREATE TABLE t5 (id int PRIMARY KEY, x text COMPRESSION pglz);
