-- Job numbers for a set-based insert of many jobs (the storefront intake's chunks).
--
-- next_counter updates the site's counter row once per job; inside one transaction every such
-- update of the same row walks all its earlier versions, so a chunk of n new jobs costs O(n²).
-- reserve_job_numbers advances the counter once for a whole block of numbers and leaves the
-- block in a transaction-local setting; jobs_before_write hands the block's numbers out row by
-- row, in the order the rows are inserted, and falls back to next_counter when no block is left.
-- Numbers stay assigned by the database: a supplied number is still refused, a block's last
-- number must already have been counted when it is handed out (a block set by hand beyond the
-- counter would collide with a later next_counter), and a rolled-back reservation rolls back
-- the counter and the setting together.
-- The caller inserts exactly as many jobs as it reserved, in the same transaction; the intake
-- checks the numbers it gets back (packages/api/src/intake/take-bulk.ts).

CREATE FUNCTION "reserve_job_numbers"("p_site" UUID, "p_count" INTEGER) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    "v_last" INTEGER;
BEGIN
    IF "p_count" IS NULL OR "p_count" <= 0 THEN
        RAISE EXCEPTION 'reserve_job_numbers needs a positive count (got %)', "p_count"
            USING ERRCODE = 'check_violation';
    END IF;
    IF coalesce(current_setting('orderdeck.job_numbers', true), '') <> '' THEN
        RAISE EXCEPTION 'a block of job numbers is already reserved and not used up in this transaction'
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO "counters" ("site_id", "kind", "year", "value") VALUES ("p_site", 'JOB', 0, "p_count")
        ON CONFLICT ("site_id", "kind", "year") DO UPDATE SET "value" = "counters"."value" + "p_count"
        RETURNING "value" INTO "v_last";
    PERFORM set_config('orderdeck.job_numbers', format('%s %s %s', "p_site", "v_last" - "p_count" + 1, "v_last"), true);
    RETURN "v_last" - "p_count" + 1;
END;
$$;

CREATE OR REPLACE FUNCTION "jobs_before_write"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    "v_block" TEXT;
    "v_parts" TEXT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW."number" IS NOT NULL THEN
            RAISE EXCEPTION 'jobs.number is assigned by the database and cannot be supplied (got %)', NEW."number"
                USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_number_assigned', TABLE = 'jobs', COLUMN = 'number';
        END IF;
        "v_block" := current_setting('orderdeck.job_numbers', true);
        IF "v_block" IS NOT NULL AND "v_block" <> '' THEN
            "v_parts" := string_to_array("v_block", ' ');
            IF "v_parts"[1]::uuid = NEW."site_id" THEN
                NEW."number" := "v_parts"[2]::integer;
                IF NEW."number" >= "v_parts"[3]::integer THEN
                    -- Once per block: the counter must already stand at or past the block's end.
                    IF NOT EXISTS (SELECT 1 FROM "counters" c
                                    WHERE c."site_id" = NEW."site_id" AND c."kind" = 'JOB' AND c."year" = 0 AND c."value" >= NEW."number") THEN
                        RAISE EXCEPTION 'job number % was not reserved through the counter', NEW."number"
                            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_number_assigned', TABLE = 'jobs', COLUMN = 'number';
                    END IF;
                    PERFORM set_config('orderdeck.job_numbers', '', true);
                ELSE
                    PERFORM set_config('orderdeck.job_numbers', format('%s %s %s', "v_parts"[1], NEW."number" + 1, "v_parts"[3]), true);
                END IF;
            END IF;
        END IF;
        IF NEW."number" IS NULL THEN
            NEW."number" := "next_counter"(NEW."site_id", 'JOB', 0);
        END IF;
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

GRANT EXECUTE ON FUNCTION "reserve_job_numbers"(UUID, INTEGER) TO orderdeck_app;
