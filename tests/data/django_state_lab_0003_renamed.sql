BEGIN;
ALTER TABLE "lab_gauge" ALTER COLUMN "id" TYPE bigint USING "id"::bigint;
ALTER SEQUENCE IF EXISTS "lab_gauge_id_seq" AS bigint;
ALTER TABLE "lab_note" RENAME TO "lab_memo";
ALTER TABLE "lab_item" RENAME TO "lab_article";
COMMIT;
