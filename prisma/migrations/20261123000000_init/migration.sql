-- OrderDeck initial schema.
--
-- Part 1 is the SQL Prisma's schema engine generates for schema.prisma (what
-- `prisma migrate diff --from-empty --to-schema prisma/schema.prisma --script` prints), with
-- these edits for what Prisma cannot express:
--   * the pg_trgm extension and the sequence behind jobs.change_seq are created first;
--   * the sequence is OWNED BY its column;
--   * webhook_endpoints.event_types is NOT NULL (Prisma declares list columns nullable but
--     never writes NULL into them);
--   * jobs_site_id_queue_position_key is a DEFERRABLE constraint instead of a unique index.
-- Part 2 holds the rules schema.prisma cannot say: CHECK constraints, the gapless counter
-- function, the status-transition table and trigger, the job bookkeeping trigger and the
-- append-only guard on job_events. packages/db/test/schema-agreement.test.ts fails when this
-- file and schema.prisma disagree; change both together, in a new migration.

-- ============================================================================================
-- Part 1: the Prisma schema
-- ============================================================================================

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateExtension (trigram indexes for search over job titles and customer names)
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateSequence (jobs.change_seq: the sync cursor, see jobs_before_write)
CREATE SEQUENCE "job_change_seq" AS BIGINT;

-- CreateEnum
CREATE TYPE "job_status" AS ENUM ('QUEUED', 'IN_PROGRESS', 'POST_PROCESSING', 'READY_FOR_PICKUP', 'PICKED_UP', 'SHIPPED', 'ON_HOLD', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "user_role" AS ENUM ('ADMIN', 'LEAD', 'STAFF');

-- CreateEnum
CREATE TYPE "job_source" AS ENUM ('MANUAL', 'FEED', 'CSV');

-- CreateEnum
CREATE TYPE "payment_status" AS ENUM ('UNPAID', 'PAID', 'REFUNDED', 'WAIVED');

-- CreateEnum
CREATE TYPE "fulfilment" AS ENUM ('PICKUP', 'SHIP');

-- CreateEnum
CREATE TYPE "priority" AS ENUM ('LOW', 'NORMAL', 'HIGH', 'RUSH');

-- CreateEnum
CREATE TYPE "actor_kind" AS ENUM ('USER', 'STATION', 'SYSTEM');

-- CreateEnum
CREATE TYPE "scan_outcome" AS ENUM ('HANDED_OVER', 'INVALID_CODE', 'UNKNOWN_CODE', 'NOT_READY', 'UNPAID', 'ALREADY_PICKED_UP', 'CANCELLED', 'CONFLICT');

-- CreateEnum
CREATE TYPE "mutation_outcome" AS ENUM ('APPLIED', 'REJECTED', 'CONFLICT');

-- CreateEnum
CREATE TYPE "delivery_status" AS ENUM ('PENDING', 'SENT', 'FAILED', 'GAVE_UP');

-- CreateEnum
CREATE TYPE "mail_kind" AS ENUM ('READY_FOR_PICKUP', 'INVOICE', 'RECEIPT', 'HANDOFF_REMINDER');

-- CreateEnum
CREATE TYPE "intake_run_status" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED_LOCKED');

-- CreateEnum
CREATE TYPE "intake_run_mode" AS ENUM ('INCREMENTAL', 'FULL');

-- CreateEnum
CREATE TYPE "dead_letter_status" AS ENUM ('OPEN', 'RETRIED', 'RESOLVED');

-- CreateEnum
CREATE TYPE "counter_kind" AS ENUM ('JOB', 'INVOICE', 'RECEIPT');

-- CreateEnum
CREATE TYPE "handoff_status" AS ENUM ('DRAFT', 'PRINTED', 'ACKNOWLEDGED');

-- CreateEnum
CREATE TYPE "view_scope" AS ENUM ('PERSONAL', 'SITE');

-- CreateTable
CREATE TABLE "sites" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "default_currency" CHAR(3) NOT NULL DEFAULT 'EUR',
    "sla_warn_hours" INTEGER NOT NULL DEFAULT 48,
    "sla_breach_hours" INTEGER NOT NULL DEFAULT 96,
    "archive_after_days" INTEGER NOT NULL DEFAULT 30,
    "prune_events_after_days" INTEGER NOT NULL DEFAULT 365,
    "prune_deliveries_after_days" INTEGER NOT NULL DEFAULT 30,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sites_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "user_role" NOT NULL,
    "password_hash" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "last_sign_in_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "station_id" UUID,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "ip" TEXT,
    "user_agent" TEXT,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stations" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "stations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "station_enrollments" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "code_hash" TEXT NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "station_id" UUID,

    CONSTRAINT "station_enrollments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customers" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "phone" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "source" "job_source" NOT NULL DEFAULT 'MANUAL',
    "external_id" TEXT,
    "customer_id" UUID,
    "title" TEXT NOT NULL,
    "material" TEXT,
    "colour" TEXT,
    "quantity" INTEGER NOT NULL DEFAULT 1,
    "estimated_minutes" INTEGER,
    "due_at" TIMESTAMPTZ(3),
    "priority" "priority" NOT NULL DEFAULT 'NORMAL',
    "status" "job_status" NOT NULL DEFAULT 'QUEUED',
    "queue_position" INTEGER,
    "assignee_id" UUID,
    "machine" TEXT,
    "price_cents" INTEGER NOT NULL DEFAULT 0,
    "currency" CHAR(3) NOT NULL DEFAULT 'EUR',
    "payment_status" "payment_status" NOT NULL DEFAULT 'UNPAID',
    "fulfilment" "fulfilment" NOT NULL DEFAULT 'PICKUP',
    "pickup_code" TEXT NOT NULL,
    "picked_up_at" TIMESTAMPTZ(3),
    "picked_up_by_id" UUID,
    "picked_up_station_id" UUID,
    "notes" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "archived_at" TIMESTAMPTZ(3),
    "change_seq" BIGINT NOT NULL DEFAULT nextval('job_change_seq'::regclass),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

ALTER SEQUENCE "job_change_seq" OWNED BY "jobs"."change_seq";

-- CreateTable
CREATE TABLE "job_events" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "actor_kind" "actor_kind" NOT NULL,
    "actor_user_id" UUID,
    "actor_station_id" UUID,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "request_id" TEXT,

    CONSTRAINT "job_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoices" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "year" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "formatted_number" TEXT NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "pdf" BYTEA,

    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "receipts" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "payment_id" UUID,
    "year" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "formatted_number" TEXT NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "pdf" BYTEA,

    CONSTRAINT "receipts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payments" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_reference" TEXT NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recorded_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "counters" (
    "site_id" UUID NOT NULL,
    "kind" "counter_kind" NOT NULL,
    "year" INTEGER NOT NULL,
    "value" INTEGER NOT NULL,

    CONSTRAINT "counters_pkey" PRIMARY KEY ("site_id","kind","year")
);

-- CreateTable
CREATE TABLE "saved_views" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "owner_id" UUID,
    "scope" "view_scope" NOT NULL,
    "name" TEXT NOT NULL,
    "filter" JSONB NOT NULL,
    "sort" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saved_views_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "handoffs" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "period_from" TIMESTAMPTZ(3) NOT NULL,
    "period_to" TIMESTAMPTZ(3) NOT NULL,
    "notes" TEXT,
    "snapshot" JSONB NOT NULL,
    "status" "handoff_status" NOT NULL DEFAULT 'DRAFT',
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "printed_at" TIMESTAMPTZ(3),
    "acknowledged_by_id" UUID,
    "acknowledged_at" TIMESTAMPTZ(3),

    CONSTRAINT "handoffs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "scan_records" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "station_id" UUID,
    "user_id" UUID,
    "code" TEXT NOT NULL,
    "outcome" "scan_outcome" NOT NULL,
    "job_id" UUID,
    "client_time" TIMESTAMPTZ(3),
    "server_time" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "client_mutation_id" TEXT,

    CONSTRAINT "scan_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "client_mutations" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "station_id" UUID NOT NULL,
    "user_id" UUID,
    "mutation_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "args" JSONB NOT NULL,
    "outcome" "mutation_outcome",
    "result" JSONB,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied_at" TIMESTAMPTZ(3),

    CONSTRAINT "client_mutations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "event_types" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "delivery_status" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "response_status" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_attempt_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "intake_sources" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "base_url" TEXT NOT NULL,
    "credentials_ref" TEXT,
    "page_size" INTEGER NOT NULL DEFAULT 100,
    "cursor" TEXT,
    "checkpoint" JSONB,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "last_success_at" TIMESTAMPTZ(3),
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "intake_sources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "intake_runs" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "source_id" UUID NOT NULL,
    "mode" "intake_run_mode" NOT NULL,
    "status" "intake_run_status" NOT NULL DEFAULT 'RUNNING',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "rows_seen" INTEGER NOT NULL DEFAULT 0,
    "rows_inserted" INTEGER NOT NULL DEFAULT 0,
    "rows_updated" INTEGER NOT NULL DEFAULT 0,
    "rows_unchanged" INTEGER NOT NULL DEFAULT 0,
    "rows_rejected" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "intake_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "intake_dead_letters" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "source_id" UUID NOT NULL,
    "run_id" UUID,
    "external_id" TEXT,
    "payload" JSONB NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "dead_letter_status" NOT NULL DEFAULT 'OPEN',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_attempt_at" TIMESTAMPTZ(3),

    CONSTRAINT "intake_dead_letters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mail_log" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "kind" "mail_kind" NOT NULL,
    "to" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "job_id" UUID,
    "invoice_id" UUID,
    "receipt_id" UUID,
    "status" "delivery_status" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "message_id" TEXT,

    CONSTRAINT "mail_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" UUID NOT NULL,
    "site_id" UUID,
    "actor_user_id" UUID,
    "actor_station_id" UUID,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "details" JSONB,
    "ip" TEXT,
    "request_id" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "worker_heartbeats" (
    "worker_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_beat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "worker_heartbeats_pkey" PRIMARY KEY ("worker_id")
);

-- CreateTable
CREATE TABLE "rate_limits" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "users_site_id_role_idx" ON "users"("site_id", "role");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions"("token_hash");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE INDEX "sessions_station_id_idx" ON "sessions"("station_id");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "stations_token_hash_key" ON "stations"("token_hash");

-- CreateIndex
CREATE INDEX "stations_site_id_idx" ON "stations"("site_id");

-- CreateIndex
CREATE UNIQUE INDEX "station_enrollments_code_hash_key" ON "station_enrollments"("code_hash");

-- CreateIndex
CREATE INDEX "station_enrollments_site_id_idx" ON "station_enrollments"("site_id");

-- CreateIndex
CREATE INDEX "customers_site_id_name_idx" ON "customers"("site_id", "name");

-- CreateIndex
CREATE INDEX "customers_site_id_email_idx" ON "customers"("site_id", "email");

-- CreateIndex
CREATE INDEX "customers_name_trgm_idx" ON "customers" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "jobs_pickup_code_key" ON "jobs"("pickup_code");

-- CreateIndex
CREATE INDEX "jobs_site_id_status_queue_position_idx" ON "jobs"("site_id", "status", "queue_position");

-- CreateIndex
CREATE INDEX "jobs_site_id_due_at_id_idx" ON "jobs"("site_id", "due_at", "id");

-- CreateIndex
CREATE INDEX "jobs_site_id_created_at_id_idx" ON "jobs"("site_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "jobs_site_id_customer_id_idx" ON "jobs"("site_id", "customer_id");

-- CreateIndex
CREATE INDEX "jobs_site_id_assignee_id_idx" ON "jobs"("site_id", "assignee_id");

-- CreateIndex
CREATE INDEX "jobs_site_id_change_seq_idx" ON "jobs"("site_id", "change_seq");

-- CreateIndex
CREATE INDEX "jobs_title_trgm_idx" ON "jobs" USING GIN ("title" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "jobs_site_id_number_key" ON "jobs"("site_id", "number");

-- CreateIndex
CREATE UNIQUE INDEX "jobs_site_id_source_external_id_key" ON "jobs"("site_id", "source", "external_id");

-- CreateIndex (a constraint rather than an index, because only constraints can be DEFERRABLE:
-- a reorder that swaps positions may defer the check to commit; nulls are distinct, so closed
-- jobs, which have no position, never collide)
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_site_id_queue_position_key" UNIQUE ("site_id", "queue_position") DEFERRABLE INITIALLY IMMEDIATE;

-- CreateIndex
CREATE INDEX "job_events_job_id_at_idx" ON "job_events"("job_id", "at");

-- CreateIndex
CREATE INDEX "job_events_site_id_at_idx" ON "job_events"("site_id", "at");

-- CreateIndex
CREATE INDEX "invoices_job_id_idx" ON "invoices"("job_id");

-- CreateIndex
CREATE UNIQUE INDEX "invoices_site_id_formatted_number_key" ON "invoices"("site_id", "formatted_number");

-- CreateIndex
CREATE UNIQUE INDEX "invoices_site_id_year_number_key" ON "invoices"("site_id", "year", "number");

-- CreateIndex
CREATE INDEX "receipts_job_id_idx" ON "receipts"("job_id");

-- CreateIndex
CREATE UNIQUE INDEX "receipts_site_id_formatted_number_key" ON "receipts"("site_id", "formatted_number");

-- CreateIndex
CREATE UNIQUE INDEX "receipts_site_id_year_number_key" ON "receipts"("site_id", "year", "number");

-- CreateIndex
CREATE UNIQUE INDEX "payments_provider_reference_key" ON "payments"("provider_reference");

-- CreateIndex
CREATE INDEX "payments_job_id_idx" ON "payments"("job_id");

-- CreateIndex
CREATE INDEX "payments_site_id_received_at_idx" ON "payments"("site_id", "received_at");

-- CreateIndex
CREATE INDEX "saved_views_site_id_owner_id_idx" ON "saved_views"("site_id", "owner_id");

-- CreateIndex
CREATE INDEX "handoffs_site_id_period_to_idx" ON "handoffs"("site_id", "period_to");

-- CreateIndex
CREATE INDEX "handoffs_site_id_status_idx" ON "handoffs"("site_id", "status");

-- CreateIndex
CREATE INDEX "scan_records_site_id_server_time_idx" ON "scan_records"("site_id", "server_time");

-- CreateIndex
CREATE INDEX "scan_records_job_id_idx" ON "scan_records"("job_id");

-- CreateIndex
CREATE INDEX "client_mutations_site_id_outcome_idx" ON "client_mutations"("site_id", "outcome");

-- CreateIndex
CREATE UNIQUE INDEX "client_mutations_station_id_mutation_id_key" ON "client_mutations"("station_id", "mutation_id");

-- CreateIndex
CREATE INDEX "webhook_endpoints_site_id_idx" ON "webhook_endpoints"("site_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_idx" ON "webhook_deliveries"("endpoint_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_site_id_status_idx" ON "webhook_deliveries"("site_id", "status");

-- CreateIndex
CREATE INDEX "webhook_deliveries_site_id_created_at_idx" ON "webhook_deliveries"("site_id", "created_at");

-- CreateIndex
CREATE INDEX "intake_sources_site_id_idx" ON "intake_sources"("site_id");

-- CreateIndex
CREATE INDEX "intake_runs_source_id_started_at_idx" ON "intake_runs"("source_id", "started_at");

-- CreateIndex
CREATE INDEX "intake_runs_site_id_started_at_idx" ON "intake_runs"("site_id", "started_at");

-- CreateIndex
CREATE INDEX "intake_dead_letters_site_id_status_idx" ON "intake_dead_letters"("site_id", "status");

-- CreateIndex
CREATE INDEX "intake_dead_letters_source_id_external_id_idx" ON "intake_dead_letters"("source_id", "external_id");

-- CreateIndex
CREATE INDEX "mail_log_site_id_status_idx" ON "mail_log"("site_id", "status");

-- CreateIndex
CREATE INDEX "mail_log_site_id_created_at_idx" ON "mail_log"("site_id", "created_at");

-- CreateIndex
CREATE INDEX "mail_log_job_id_idx" ON "mail_log"("job_id");

-- CreateIndex
CREATE INDEX "audit_log_site_id_at_idx" ON "audit_log"("site_id", "at");

-- CreateIndex
CREATE INDEX "audit_log_actor_user_id_at_idx" ON "audit_log"("actor_user_id", "at");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_station_id_fkey" FOREIGN KEY ("station_id") REFERENCES "stations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stations" ADD CONSTRAINT "stations_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "station_enrollments" ADD CONSTRAINT "station_enrollments_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "station_enrollments" ADD CONSTRAINT "station_enrollments_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "station_enrollments" ADD CONSTRAINT "station_enrollments_station_id_fkey" FOREIGN KEY ("station_id") REFERENCES "stations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customers" ADD CONSTRAINT "customers_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_assignee_id_fkey" FOREIGN KEY ("assignee_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_picked_up_by_id_fkey" FOREIGN KEY ("picked_up_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_picked_up_station_id_fkey" FOREIGN KEY ("picked_up_station_id") REFERENCES "stations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_events" ADD CONSTRAINT "job_events_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_events" ADD CONSTRAINT "job_events_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_events" ADD CONSTRAINT "job_events_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_events" ADD CONSTRAINT "job_events_actor_station_id_fkey" FOREIGN KEY ("actor_station_id") REFERENCES "stations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "receipts" ADD CONSTRAINT "receipts_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "receipts" ADD CONSTRAINT "receipts_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "receipts" ADD CONSTRAINT "receipts_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_recorded_by_id_fkey" FOREIGN KEY ("recorded_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "counters" ADD CONSTRAINT "counters_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "saved_views" ADD CONSTRAINT "saved_views_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "saved_views" ADD CONSTRAINT "saved_views_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoffs" ADD CONSTRAINT "handoffs_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoffs" ADD CONSTRAINT "handoffs_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoffs" ADD CONSTRAINT "handoffs_acknowledged_by_id_fkey" FOREIGN KEY ("acknowledged_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scan_records" ADD CONSTRAINT "scan_records_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scan_records" ADD CONSTRAINT "scan_records_station_id_fkey" FOREIGN KEY ("station_id") REFERENCES "stations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scan_records" ADD CONSTRAINT "scan_records_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scan_records" ADD CONSTRAINT "scan_records_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "client_mutations" ADD CONSTRAINT "client_mutations_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "client_mutations" ADD CONSTRAINT "client_mutations_station_id_fkey" FOREIGN KEY ("station_id") REFERENCES "stations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "client_mutations" ADD CONSTRAINT "client_mutations_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_sources" ADD CONSTRAINT "intake_sources_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_runs" ADD CONSTRAINT "intake_runs_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_runs" ADD CONSTRAINT "intake_runs_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "intake_sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_dead_letters" ADD CONSTRAINT "intake_dead_letters_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_dead_letters" ADD CONSTRAINT "intake_dead_letters_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "intake_sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_dead_letters" ADD CONSTRAINT "intake_dead_letters_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "intake_runs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mail_log" ADD CONSTRAINT "mail_log_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mail_log" ADD CONSTRAINT "mail_log_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mail_log" ADD CONSTRAINT "mail_log_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoices"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mail_log" ADD CONSTRAINT "mail_log_receipt_id_fkey" FOREIGN KEY ("receipt_id") REFERENCES "receipts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_station_id_fkey" FOREIGN KEY ("actor_station_id") REFERENCES "stations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- ============================================================================================
-- Part 2: rules schema.prisma cannot express
-- ============================================================================================

-- ---- Lengths, formats and money ------------------------------------------------------------
-- Strings are TEXT in the Prisma schema and bounded here, so every limit is a named constraint
-- (SQLSTATE 23514, constraint name = <table>_<column>_check) that the API can map to a field
-- error. A CHECK passes on NULL, so optional columns need no IS NULL branch.

ALTER TABLE "sites"
    ADD CONSTRAINT "sites_name_check" CHECK (btrim("name") <> '' AND char_length("name") <= 120),
    ADD CONSTRAINT "sites_timezone_check" CHECK (char_length("timezone") BETWEEN 1 AND 64),
    ADD CONSTRAINT "sites_default_currency_check" CHECK ("default_currency" ~ '^[A-Z]{3}$'),
    ADD CONSTRAINT "sites_sla_hours_check" CHECK ("sla_warn_hours" BETWEEN 1 AND 8760 AND "sla_breach_hours" BETWEEN "sla_warn_hours" AND 8760),
    ADD CONSTRAINT "sites_retention_days_check" CHECK ("archive_after_days" >= 1 AND "prune_events_after_days" >= 1 AND "prune_deliveries_after_days" >= 1);

ALTER TABLE "users"
    -- Stored lowercased, which is what makes users_email_key case-insensitive.
    ADD CONSTRAINT "users_email_check" CHECK (char_length("email") BETWEEN 3 AND 254 AND "email" = lower("email") AND "email" LIKE '_%@_%'),
    ADD CONSTRAINT "users_name_check" CHECK (btrim("name") <> '' AND char_length("name") <= 120),
    ADD CONSTRAINT "users_password_hash_check" CHECK (char_length("password_hash") BETWEEN 1 AND 1024);

ALTER TABLE "sessions"
    ADD CONSTRAINT "sessions_token_hash_check" CHECK (char_length("token_hash") BETWEEN 16 AND 128),
    ADD CONSTRAINT "sessions_ip_check" CHECK (char_length("ip") <= 64),
    ADD CONSTRAINT "sessions_user_agent_check" CHECK (char_length("user_agent") <= 1024),
    ADD CONSTRAINT "sessions_expires_at_check" CHECK ("expires_at" > "created_at");

ALTER TABLE "stations"
    ADD CONSTRAINT "stations_name_check" CHECK (btrim("name") <> '' AND char_length("name") <= 80),
    ADD CONSTRAINT "stations_token_hash_check" CHECK (char_length("token_hash") BETWEEN 16 AND 128);

ALTER TABLE "station_enrollments"
    ADD CONSTRAINT "station_enrollments_name_check" CHECK (btrim("name") <> '' AND char_length("name") <= 80),
    ADD CONSTRAINT "station_enrollments_code_hash_check" CHECK (char_length("code_hash") BETWEEN 16 AND 128);

ALTER TABLE "customers"
    ADD CONSTRAINT "customers_name_check" CHECK (btrim("name") <> '' AND char_length("name") <= 200),
    ADD CONSTRAINT "customers_email_check" CHECK (char_length("email") BETWEEN 3 AND 254),
    ADD CONSTRAINT "customers_phone_check" CHECK (char_length("phone") <= 40);

ALTER TABLE "jobs"
    ADD CONSTRAINT "jobs_number_check" CHECK ("number" > 0),
    ADD CONSTRAINT "jobs_external_id_check" CHECK (char_length("external_id") BETWEEN 1 AND 200),
    ADD CONSTRAINT "jobs_title_check" CHECK (btrim("title") <> '' AND char_length("title") <= 200),
    ADD CONSTRAINT "jobs_material_check" CHECK (char_length("material") <= 80),
    ADD CONSTRAINT "jobs_colour_check" CHECK (char_length("colour") <= 40),
    ADD CONSTRAINT "jobs_quantity_check" CHECK ("quantity" BETWEEN 1 AND 100000),
    ADD CONSTRAINT "jobs_estimated_minutes_check" CHECK ("estimated_minutes" BETWEEN 0 AND 525600),
    ADD CONSTRAINT "jobs_machine_check" CHECK (char_length("machine") <= 80),
    ADD CONSTRAINT "jobs_price_cents_check" CHECK ("price_cents" >= 0),
    ADD CONSTRAINT "jobs_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$'),
    -- The alphabet of @orderdeck/contracts' pickup codes (no 0/O, 1/I/L), ten symbols.
    ADD CONSTRAINT "jobs_pickup_code_check" CHECK ("pickup_code" ~ '^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$'),
    ADD CONSTRAINT "jobs_notes_check" CHECK (char_length("notes") <= 4000),
    ADD CONSTRAINT "jobs_version_check" CHECK ("version" > 0),
    -- A job is on the board (has a position) exactly while it is open (contracts' OPEN_STATUSES).
    ADD CONSTRAINT "jobs_queue_position_check" CHECK (
        ("queue_position" IS NOT NULL) = ("status" IN ('QUEUED', 'IN_PROGRESS', 'POST_PROCESSING', 'READY_FOR_PICKUP', 'ON_HOLD', 'FAILED'))
    ),
    -- Only closed work is archived, so an archived job never holds a queue position.
    ADD CONSTRAINT "jobs_archived_at_check" CHECK ("archived_at" IS NULL OR "status" IN ('PICKED_UP', 'SHIPPED', 'CANCELLED'));

ALTER TABLE "job_events"
    ADD CONSTRAINT "job_events_type_check" CHECK (char_length("type") BETWEEN 1 AND 64),
    ADD CONSTRAINT "job_events_request_id_check" CHECK (char_length("request_id") <= 128);

ALTER TABLE "invoices"
    ADD CONSTRAINT "invoices_year_check" CHECK ("year" BETWEEN 2000 AND 9999),
    ADD CONSTRAINT "invoices_number_check" CHECK ("number" > 0),
    ADD CONSTRAINT "invoices_formatted_number_check" CHECK (char_length("formatted_number") BETWEEN 1 AND 32),
    ADD CONSTRAINT "invoices_amount_cents_check" CHECK ("amount_cents" >= 0),
    ADD CONSTRAINT "invoices_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');

ALTER TABLE "receipts"
    ADD CONSTRAINT "receipts_year_check" CHECK ("year" BETWEEN 2000 AND 9999),
    ADD CONSTRAINT "receipts_number_check" CHECK ("number" > 0),
    ADD CONSTRAINT "receipts_formatted_number_check" CHECK (char_length("formatted_number") BETWEEN 1 AND 32),
    ADD CONSTRAINT "receipts_amount_cents_check" CHECK ("amount_cents" >= 0),
    ADD CONSTRAINT "receipts_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');

ALTER TABLE "payments"
    ADD CONSTRAINT "payments_provider_check" CHECK (char_length("provider") BETWEEN 1 AND 40),
    ADD CONSTRAINT "payments_provider_reference_check" CHECK (char_length("provider_reference") BETWEEN 1 AND 200),
    ADD CONSTRAINT "payments_amount_cents_check" CHECK ("amount_cents" >= 0),
    ADD CONSTRAINT "payments_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');

ALTER TABLE "counters"
    ADD CONSTRAINT "counters_value_check" CHECK ("value" >= 0),
    -- Job numbers never restart (year 0); invoice and receipt numbers restart every year.
    ADD CONSTRAINT "counters_year_check" CHECK (("kind" = 'JOB' AND "year" = 0) OR ("kind" <> 'JOB' AND "year" BETWEEN 2000 AND 9999));

ALTER TABLE "saved_views"
    ADD CONSTRAINT "saved_views_name_check" CHECK (btrim("name") <> '' AND char_length("name") <= 80),
    ADD CONSTRAINT "saved_views_scope_check" CHECK (("scope" = 'SITE') = ("owner_id" IS NULL));

ALTER TABLE "handoffs"
    ADD CONSTRAINT "handoffs_notes_check" CHECK (char_length("notes") <= 8000),
    ADD CONSTRAINT "handoffs_period_check" CHECK ("period_to" >= "period_from");

ALTER TABLE "scan_records"
    ADD CONSTRAINT "scan_records_code_check" CHECK (char_length("code") <= 200),
    ADD CONSTRAINT "scan_records_client_mutation_id_check" CHECK (char_length("client_mutation_id") BETWEEN 1 AND 64);

ALTER TABLE "client_mutations"
    ADD CONSTRAINT "client_mutations_mutation_id_check" CHECK (char_length("mutation_id") BETWEEN 1 AND 64),
    ADD CONSTRAINT "client_mutations_type_check" CHECK (char_length("type") BETWEEN 1 AND 64);

ALTER TABLE "webhook_endpoints"
    ADD CONSTRAINT "webhook_endpoints_url_check" CHECK (char_length("url") <= 2000 AND "url" ~ '^https?://'),
    ADD CONSTRAINT "webhook_endpoints_secret_check" CHECK (char_length("secret") BETWEEN 1 AND 1024),
    ADD CONSTRAINT "webhook_endpoints_consecutive_failures_check" CHECK ("consecutive_failures" >= 0);

ALTER TABLE "webhook_deliveries"
    ADD CONSTRAINT "webhook_deliveries_event_type_check" CHECK (char_length("event_type") BETWEEN 1 AND 64),
    ADD CONSTRAINT "webhook_deliveries_attempts_check" CHECK ("attempts" >= 0),
    ADD CONSTRAINT "webhook_deliveries_response_status_check" CHECK ("response_status" BETWEEN 100 AND 599);

ALTER TABLE "intake_sources"
    ADD CONSTRAINT "intake_sources_name_check" CHECK (btrim("name") <> '' AND char_length("name") <= 80),
    ADD CONSTRAINT "intake_sources_kind_check" CHECK (char_length("kind") BETWEEN 1 AND 32),
    ADD CONSTRAINT "intake_sources_base_url_check" CHECK (char_length("base_url") <= 2000 AND "base_url" ~ '^https?://'),
    ADD CONSTRAINT "intake_sources_credentials_ref_check" CHECK (char_length("credentials_ref") <= 200),
    ADD CONSTRAINT "intake_sources_page_size_check" CHECK ("page_size" BETWEEN 1 AND 1000),
    ADD CONSTRAINT "intake_sources_consecutive_failures_check" CHECK ("consecutive_failures" >= 0);

ALTER TABLE "intake_runs"
    ADD CONSTRAINT "intake_runs_rows_check" CHECK (
        "rows_seen" >= 0 AND "rows_inserted" >= 0 AND "rows_updated" >= 0 AND "rows_unchanged" >= 0 AND "rows_rejected" >= 0
    ),
    ADD CONSTRAINT "intake_runs_finished_at_check" CHECK ("finished_at" >= "started_at");

ALTER TABLE "intake_dead_letters"
    ADD CONSTRAINT "intake_dead_letters_external_id_check" CHECK (char_length("external_id") <= 200),
    ADD CONSTRAINT "intake_dead_letters_reason_check" CHECK (char_length("reason") BETWEEN 1 AND 2000),
    ADD CONSTRAINT "intake_dead_letters_attempts_check" CHECK ("attempts" >= 0);

ALTER TABLE "mail_log"
    ADD CONSTRAINT "mail_log_to_check" CHECK (char_length("to") BETWEEN 3 AND 254),
    ADD CONSTRAINT "mail_log_subject_check" CHECK (char_length("subject") BETWEEN 1 AND 300),
    ADD CONSTRAINT "mail_log_attempts_check" CHECK ("attempts" >= 0);

ALTER TABLE "audit_log"
    ADD CONSTRAINT "audit_log_action_check" CHECK (char_length("action") BETWEEN 1 AND 64),
    ADD CONSTRAINT "audit_log_target_check" CHECK (char_length("target") <= 200),
    ADD CONSTRAINT "audit_log_ip_check" CHECK (char_length("ip") <= 64),
    ADD CONSTRAINT "audit_log_request_id_check" CHECK (char_length("request_id") <= 128);

ALTER TABLE "worker_heartbeats"
    ADD CONSTRAINT "worker_heartbeats_worker_id_check" CHECK (char_length("worker_id") BETWEEN 1 AND 200);

-- ---- Gapless counters ------------------------------------------------------------------------
-- The upsert takes the counter row's lock and keeps it until the caller's transaction ends, so
-- concurrent callers queue behind each other and a rolled-back caller gives its number back:
-- numbers are consecutive with no gaps and no duplicates. Never compute max()+1 instead.
-- Invoice and receipt callers pass the year in the site's timezone; jobs use year 0.

CREATE FUNCTION "next_counter"("site" UUID, "kind" "counter_kind", "year" INTEGER) RETURNS INTEGER
LANGUAGE sql VOLATILE AS $$
    INSERT INTO "counters" ("site_id", "kind", "year", "value") VALUES ($1, $2, $3, 1)
    ON CONFLICT ("site_id", "kind", "year") DO UPDATE SET "value" = "counters"."value" + 1
    RETURNING "value";
$$;

-- ---- Job status machine ----------------------------------------------------------------------
-- The same table as TRANSITIONS in @orderdeck/contracts (status-machine.ts); a test compares
-- them row for row. A row with a fulfilment applies only to jobs of that fulfilment.

CREATE TABLE "job_status_transitions" (
    "from_status" "job_status" NOT NULL,
    "to_status" "job_status" NOT NULL,
    "fulfilment" "fulfilment",

    CONSTRAINT "job_status_transitions_pkey" PRIMARY KEY ("from_status", "to_status")
);

INSERT INTO "job_status_transitions" ("from_status", "to_status", "fulfilment") VALUES
    -- forward
    ('QUEUED', 'IN_PROGRESS', NULL),
    ('IN_PROGRESS', 'POST_PROCESSING', NULL),
    ('POST_PROCESSING', 'READY_FOR_PICKUP', NULL),
    ('READY_FOR_PICKUP', 'PICKED_UP', 'PICKUP'),
    ('READY_FOR_PICKUP', 'SHIPPED', 'SHIP'),
    -- failed prints, and their reprint
    ('IN_PROGRESS', 'FAILED', NULL),
    ('POST_PROCESSING', 'FAILED', NULL),
    ('FAILED', 'QUEUED', NULL),
    -- holds: from and back to every other open status
    ('QUEUED', 'ON_HOLD', NULL),
    ('ON_HOLD', 'QUEUED', NULL),
    ('IN_PROGRESS', 'ON_HOLD', NULL),
    ('ON_HOLD', 'IN_PROGRESS', NULL),
    ('POST_PROCESSING', 'ON_HOLD', NULL),
    ('ON_HOLD', 'POST_PROCESSING', NULL),
    ('READY_FOR_PICKUP', 'ON_HOLD', NULL),
    ('ON_HOLD', 'READY_FOR_PICKUP', NULL),
    ('FAILED', 'ON_HOLD', NULL),
    ('ON_HOLD', 'FAILED', NULL),
    -- cancellation from every open status
    ('QUEUED', 'CANCELLED', NULL),
    ('IN_PROGRESS', 'CANCELLED', NULL),
    ('POST_PROCESSING', 'CANCELLED', NULL),
    ('READY_FOR_PICKUP', 'CANCELLED', NULL),
    ('ON_HOLD', 'CANCELLED', NULL),
    ('FAILED', 'CANCELLED', NULL);

-- Only status changes are checked: an INSERT may use any status, because imports and the demo
-- seed create jobs that are already under way or closed (the CHECKs above still apply).
CREATE FUNCTION "jobs_check_status_transition"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM "job_status_transitions" t
        WHERE t."from_status" = OLD."status"
          AND t."to_status" = NEW."status"
          AND (t."fulfilment" IS NULL OR t."fulfilment" = NEW."fulfilment")
    ) THEN
        RAISE EXCEPTION 'job status transition % -> % is not allowed', OLD."status", NEW."status"
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'jobs_status_transition',
                  TABLE = 'jobs',
                  COLUMN = 'status',
                  DETAIL = format('job %s (J-%s), fulfilment %s', OLD."id", lpad(OLD."number"::text, 6, '0'), NEW."fulfilment");
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER "jobs_check_status_transition"
    BEFORE UPDATE ON "jobs"
    FOR EACH ROW
    WHEN (OLD."status" IS DISTINCT FROM NEW."status")
    EXECUTE FUNCTION "jobs_check_status_transition"();

-- ---- Job bookkeeping: number, version, updated_at, change_seq ---------------------------------
-- Kept in the database rather than in application code so that no write path (Prisma, raw SQL,
-- a future import script) can forget them:
--   number      assigned on insert from next_counter(site, 'JOB', 0); supplying one is refused,
--               because a hand-picked number would later collide with the counter and block
--               every new job of the site. Number and site never change afterwards.
--   version     OLD.version + 1 on every update (optimistic locking: UPDATE ... WHERE version = $n).
--   updated_at  now() on every update.
--   change_seq  nextval on every insert and update. Values are taken in statement order, not
--               commit order: a sync reader must not advance its cursor past changes of
--               transactions that are still running (see the sync design).

CREATE FUNCTION "jobs_before_write"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW."number" IS NOT NULL THEN
            RAISE EXCEPTION 'jobs.number is assigned by the database and cannot be supplied (got %)', NEW."number"
                USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_number_assigned', TABLE = 'jobs', COLUMN = 'number';
        END IF;
        NEW."number" := "next_counter"(NEW."site_id", 'JOB', 0);
    ELSE
        IF NEW."number" IS DISTINCT FROM OLD."number" OR NEW."site_id" IS DISTINCT FROM OLD."site_id" THEN
            RAISE EXCEPTION 'a job keeps its site and number'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_number_assigned', TABLE = 'jobs';
        END IF;
        NEW."version" := OLD."version" + 1;
        NEW."updated_at" := now();
    END IF;
    NEW."change_seq" := nextval('job_change_seq');
    RETURN NEW;
END;
$$;

CREATE TRIGGER "jobs_before_write"
    BEFORE INSERT OR UPDATE ON "jobs"
    FOR EACH ROW
    EXECUTE FUNCTION "jobs_before_write"();

-- ---- Job events are append-only -------------------------------------------------------------
-- Retention may delete old events; nothing may rewrite one. The single exception is the
-- ON DELETE SET NULL of the actor foreign keys, so that deleting a user or station keeps their
-- events (with the actor unknown) instead of being refused.

CREATE FUNCTION "job_events_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW."id", NEW."site_id", NEW."job_id", NEW."actor_kind", NEW."at", NEW."type", NEW."before", NEW."after", NEW."request_id")
           IS NOT DISTINCT FROM
       (OLD."id", OLD."site_id", OLD."job_id", OLD."actor_kind", OLD."at", OLD."type", OLD."before", OLD."after", OLD."request_id")
       AND (NEW."actor_user_id" IS NULL OR NEW."actor_user_id" = OLD."actor_user_id")
       AND (NEW."actor_station_id" IS NULL OR NEW."actor_station_id" = OLD."actor_station_id") THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'job_events is append-only: event % cannot be changed', OLD."id"
        USING ERRCODE = 'restrict_violation', TABLE = 'job_events';
END;
$$;

CREATE TRIGGER "job_events_append_only"
    BEFORE UPDATE ON "job_events"
    FOR EACH ROW
    EXECUTE FUNCTION "job_events_append_only"();
