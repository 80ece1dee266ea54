-- Console sync (issue 7): a commit-order-safe cursor, and pokes when a site's rows change.
--
-- Why change_xid: change_seq is taken in statement order, not commit order. A transaction that
-- took seq 5 may commit after one that took seq 6, so "rows with change_seq > cursor" would skip
-- seq 5 forever. Every write now also records the id of the transaction that made it; a pull
-- reads with a snapshot (pg_current_snapshot()) and the next pull takes exactly the rows whose
-- transaction that snapshot did not see (pg_visible_in_snapshot), whatever their order. The value
-- is pg_current_xact_id() (xid8, epoch-extended, never wraps) stored as BIGINT, which Prisma and
-- the schema-agreement check know, and whose comparisons can use an index beneath row-level
-- security (xid8's cannot: its operators are not LEAKPROOF).
--
-- Rows written before this migration get 0, which every snapshot sees: a console's first pull
-- is a full snapshot and does not need them in its increments.

ALTER TABLE "jobs" ADD COLUMN "change_xid" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "customers" ADD COLUMN "change_xid" BIGINT NOT NULL DEFAULT 0;
-- The triggers below set it on every write; the default covers a bulk load that disables them.
ALTER TABLE "jobs" ALTER COLUMN "change_xid" SET DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE "customers" ALTER COLUMN "change_xid" SET DEFAULT (pg_current_xact_id()::text::bigint);

-- An incremental pull starts from the oldest transaction its previous snapshot had not seen.
CREATE INDEX "jobs_site_id_change_xid_idx" ON "jobs"("site_id", "change_xid");
CREATE INDEX "customers_site_id_change_xid_idx" ON "customers"("site_id", "change_xid");

-- ---- jobs: the bookkeeping trigger also stamps the writing transaction ------------------------
CREATE OR REPLACE FUNCTION "jobs_before_write"() RETURNS trigger
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
    NEW."change_xid" := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END;
$$;

-- ---- customers: stamped the same way, so an edited name reaches the consoles ------------------
CREATE FUNCTION "customers_before_write"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW."change_xid" := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER "customers_before_write"
    BEFORE INSERT OR UPDATE ON "customers"
    FOR EACH ROW
    EXECUTE FUNCTION "customers_before_write"();

-- ---- Pokes: one NOTIFY per site per transaction ------------------------------------------------
-- Every API instance LISTENs on this channel and tells its consoles of that site to pull. The
-- notification is sent at commit (never for a rolled-back change) and PostgreSQL folds identical
-- ones of a transaction into one; statement-level triggers keep a bulk write to one call per site.

CREATE FUNCTION "notify_site_changes"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('orderdeck_site_changes', s."site_id"::text)
       FROM (SELECT DISTINCT "site_id" FROM "changed_rows") s;
    RETURN NULL;
END;
$$;

CREATE TRIGGER "jobs_notify_insert" AFTER INSERT ON "jobs"
    REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "notify_site_changes"();
CREATE TRIGGER "jobs_notify_update" AFTER UPDATE ON "jobs"
    REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "notify_site_changes"();
CREATE TRIGGER "customers_notify_insert" AFTER INSERT ON "customers"
    REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "notify_site_changes"();
CREATE TRIGGER "customers_notify_update" AFTER UPDATE ON "customers"
    REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "notify_site_changes"();
CREATE TRIGGER "handoffs_notify_insert" AFTER INSERT ON "handoffs"
    REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "notify_site_changes"();
CREATE TRIGGER "handoffs_notify_update" AFTER UPDATE ON "handoffs"
    REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "notify_site_changes"();

-- ---- The list views gain the new column (a view's * is fixed when it is created) ---------------
CREATE OR REPLACE VIEW "site_jobs" WITH (security_barrier = false, security_invoker = false) AS
    SELECT * FROM "jobs" WHERE "site_id" = app_current_site()
    WITH LOCAL CHECK OPTION;

CREATE OR REPLACE VIEW "site_customers" WITH (security_barrier = false, security_invoker = false) AS
    SELECT * FROM "customers" WHERE "site_id" = app_current_site()
    WITH LOCAL CHECK OPTION;
