-- Intake: what the storefront sync and the CSV import keep beyond the tables of the first
-- migration. See packages/api/src/intake/ (sync-run.ts, mapping.ts) for how they are used.

-- CreateEnum
CREATE TYPE "dead_letter_kind" AS ENUM ('INVALID', 'CONFLICT');

-- AlterTable: how far behind the source the intake is (sync lag), kept in the database so
-- that /readyz and /metrics of every instance see the same answer.
ALTER TABLE "intake_sources"
    ADD COLUMN "source_newest_at" TIMESTAMPTZ(3),
    ADD COLUMN "synced_through_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "intake_runs"
    ADD COLUMN "rows_flagged" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "cursor_from" TEXT,
    ADD COLUMN "cursor_to" TEXT,
    ADD COLUMN "requested_by_id" UUID;

-- AlterTable
ALTER TABLE "intake_dead_letters"
    ADD COLUMN "kind" "dead_letter_kind" NOT NULL DEFAULT 'INVALID',
    ADD COLUMN "resolved_at" TIMESTAMPTZ(3),
    ADD COLUMN "resolved_by_id" UUID,
    ADD COLUMN "resolution_note" TEXT;

-- CreateTable
CREATE TABLE "intake_records" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "source_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "job_id" UUID NOT NULL,
    "payload_hash" TEXT NOT NULL,
    "source_updated_at" TIMESTAMPTZ(3) NOT NULL,
    "snapshot" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "intake_records_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "intake_records_job_id_key" ON "intake_records"("job_id");

-- CreateIndex
CREATE UNIQUE INDEX "intake_records_source_id_external_id_key" ON "intake_records"("source_id", "external_id");

-- CreateIndex
CREATE INDEX "intake_records_site_id_idx" ON "intake_records"("site_id");

-- AddForeignKey
ALTER TABLE "intake_runs" ADD CONSTRAINT "intake_runs_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_dead_letters" ADD CONSTRAINT "intake_dead_letters_resolved_by_id_fkey" FOREIGN KEY ("resolved_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_records" ADD CONSTRAINT "intake_records_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_records" ADD CONSTRAINT "intake_records_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "intake_sources"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_records" ADD CONSTRAINT "intake_records_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---- Rules schema.prisma cannot express ------------------------------------------------------

ALTER TABLE "intake_sources"
    -- Where the secret lives (an environment variable's name), never the secret: a name is all
    -- that fits here.
    ADD CONSTRAINT "intake_sources_credentials_ref_format_check" CHECK ("credentials_ref" ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'),
    -- Credentials in the URL would be a secret stored in plain sight, and end up in logs.
    ADD CONSTRAINT "intake_sources_base_url_userinfo_check" CHECK ("base_url" !~ '^https?://[^/]*@'),
    ADD CONSTRAINT "intake_sources_cursor_check" CHECK (char_length("cursor") <= 500);

ALTER TABLE "intake_runs"
    ADD CONSTRAINT "intake_runs_rows_flagged_check" CHECK ("rows_flagged" >= 0),
    ADD CONSTRAINT "intake_runs_cursor_check" CHECK (char_length("cursor_from") <= 500 AND char_length("cursor_to") <= 500),
    ADD CONSTRAINT "intake_runs_error_check" CHECK (char_length("error") <= 2000);

-- Letters closed before resolved_at existed get their last change as the moment they closed.
UPDATE "intake_dead_letters" SET "resolved_at" = "updated_at" WHERE "status" <> 'OPEN' AND "resolved_at" IS NULL;

ALTER TABLE "intake_dead_letters"
    ADD CONSTRAINT "intake_dead_letters_resolution_note_check" CHECK (char_length("resolution_note") <= 1000),
    ADD CONSTRAINT "intake_dead_letters_resolved_check" CHECK (("status" = 'OPEN') = ("resolved_at" IS NULL));

ALTER TABLE "intake_records"
    ADD CONSTRAINT "intake_records_external_id_check" CHECK (char_length("external_id") BETWEEN 1 AND 200),
    ADD CONSTRAINT "intake_records_payload_hash_check" CHECK (char_length("payload_hash") BETWEEN 1 AND 128);

-- ---- Row-level security (as in migration row_level_security) --------------------------------

ALTER TABLE "intake_records" ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_isolation ON "intake_records"
    USING (site_id = app_current_site()) WITH CHECK (site_id = app_current_site());
GRANT SELECT, INSERT, UPDATE, DELETE ON "intake_records" TO orderdeck_app;
