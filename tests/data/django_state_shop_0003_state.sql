ALTER TABLE "shop_product" DROP CONSTRAINT "shop_product_name_sku_76a90a47_uniq";
ALTER TABLE "shop_product" ADD CONSTRAINT "shop_product_sku_owner_id_e2e03c17_uniq" UNIQUE ("sku", "owner_id");
DROP INDEX IF EXISTS "shop_product_name_price_13314a3b_idx";
ALTER TABLE "shop_product" RENAME COLUMN "stock" TO "quantity";
ALTER TABLE "shop_product" DROP COLUMN "note" CASCADE;
SET CONSTRAINTS "shop_product_maker_id_46862071_fk_people_person_code" IMMEDIATE; ALTER TABLE "shop_product" DROP CONSTRAINT "shop_product_maker_id_46862071_fk_people_person_code";
ALTER TABLE "shop_product" DROP COLUMN "maker_id" CASCADE;
ALTER TABLE "shop_tag" RENAME TO "shop_labels";
