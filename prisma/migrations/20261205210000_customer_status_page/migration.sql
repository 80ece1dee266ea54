-- The customer's side of the counter: where and when to collect (the site's own words, shown on
-- the customer's status page), and the page's per-job link.

ALTER TABLE "sites" ADD COLUMN "pickup_place" TEXT;
ALTER TABLE "sites" ADD COLUMN "pickup_hours" TEXT;
ALTER TABLE "sites"
    ADD CONSTRAINT "sites_pickup_text_check" CHECK (char_length("pickup_place") BETWEEN 1 AND 200 AND char_length("pickup_hours") BETWEEN 1 AND 500);

-- A link's token is derived from (job, generation) with the server secret and never stored; the
-- keyed hash finds the job when a customer opens the page. Revoked: the hash is gone, so nothing
-- finds the job by any token until a lead issues a new generation.
CREATE TABLE "job_status_links" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "token_hash" TEXT,
    "issued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "job_status_links_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "job_status_links_generation_check" CHECK ("generation" >= 1),
    CONSTRAINT "job_status_links_token_hash_check" CHECK ("token_hash" ~ '^[0-9a-f]{64}$'),
    -- Either a live link (a hash, not revoked) or a revoked one (no hash, a moment).
    CONSTRAINT "job_status_links_state_check" CHECK (("token_hash" IS NULL) = ("revoked_at" IS NOT NULL))
);

CREATE UNIQUE INDEX "job_status_links_job_id_key" ON "job_status_links"("job_id");
CREATE UNIQUE INDEX "job_status_links_token_hash_key" ON "job_status_links"("token_hash");
CREATE INDEX "job_status_links_site_id_idx" ON "job_status_links"("site_id");

ALTER TABLE "job_status_links" ADD CONSTRAINT "job_status_links_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "job_status_links" ADD CONSTRAINT "job_status_links_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---- Row-level security (as in migration row_level_security) --------------------------------

ALTER TABLE "job_status_links" ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_isolation ON "job_status_links"
    USING (site_id = app_current_site()) WITH CHECK (site_id = app_current_site());
GRANT SELECT, INSERT, UPDATE, DELETE ON "job_status_links" TO orderdeck_app;
