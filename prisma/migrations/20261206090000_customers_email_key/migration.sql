-- Customers are matched by address case-insensitively (the intake, the CSV import). Under row-level
-- security a filter on lower(email) can never be an index condition: lower() is not leakproof, so
-- the planner must check the site's policy on every row first and reads all of the site's
-- customers. The lower-cased address stored beside it is compared with plain text equality,
-- which is leakproof, so the lookup probes its index.
--
-- A generated column fills itself for the rows already there (the ALTER rewrites the table once)
-- and can never disagree with the address, whoever writes it.

ALTER TABLE "customers" ADD COLUMN "email_key" TEXT GENERATED ALWAYS AS (lower("email")) STORED;

CREATE INDEX "customers_site_id_email_key_idx" ON "customers"("site_id", "email_key");
