BEGIN;
ALTER TABLE "auth_user" ALTER COLUMN "username" TYPE varchar(150);
COMMIT;
