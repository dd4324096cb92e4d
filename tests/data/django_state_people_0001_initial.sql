BEGIN;
CREATE TABLE "people_person" ("code" varchar(20) NOT NULL PRIMARY KEY, "name" varchar(100) NOT NULL);
CREATE INDEX "people_person_code_21adddd4_like" ON "people_person" ("code" varchar_pattern_ops);
COMMIT;
