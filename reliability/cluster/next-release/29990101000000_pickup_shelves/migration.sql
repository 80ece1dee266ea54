-- A next release's "expand" migration, for the cluster scenario only (never shipped): it adds a
-- column to a table the running release writes, and a table it does not know, exactly as
-- docs/DEPLOY.md allows while processes of the release before still run.
ALTER TABLE "jobs" ADD COLUMN "pickup_shelf" TEXT;

CREATE TABLE "pickup_shelves" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "site_id" UUID NOT NULL,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "pickup_shelves_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "pickup_shelves_site_id_label_key" ON "pickup_shelves"("site_id", "label");
ALTER TABLE "pickup_shelves" ADD CONSTRAINT "pickup_shelves_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "pickup_shelves" ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_isolation ON "pickup_shelves" USING (site_id = app_current_site()) WITH CHECK (site_id = app_current_site());
