-- jobs_before_write hands a reserved block's numbers out row by row (migration job_number_blocks),
-- writing what is left of the block back to its setting for every row. PERFORM ran that as a
-- query of its own through the executor, one per inserted job; an assignment evaluates the same
-- call as a plain expression. Nothing else changes.

CREATE OR REPLACE FUNCTION "jobs_before_write"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    "v_block" TEXT;
    "v_parts" TEXT[];
    "v_set" TEXT;
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
                    "v_set" := set_config('orderdeck.job_numbers', '', true);
                ELSE
                    "v_set" := set_config('orderdeck.job_numbers', "v_parts"[1] || ' ' || (NEW."number" + 1) || ' ' || "v_parts"[3], true);
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
