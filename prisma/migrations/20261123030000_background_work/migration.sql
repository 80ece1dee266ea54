-- Background work (graphile-worker): mail log de-duplication, webhook endpoints disabled for
-- failing, and the one door through which the application enqueues tasks.
--
-- graphile-worker's own schema (graphile_worker) is installed by the project's migrator right
-- after these SQL migrations (packages/db/src/migrate.ts), as the same user, who therefore owns it.

-- ---- Mail log: one mail per cause ---------------------------------------------------------------
-- A mail that must exist once (the "ready" mail of one transition, the handoff reminder of one
-- shift to one lead) carries a key; a repeat of its cause finds the key taken and queues nothing.
-- Mails without a key (NULL) never collide.
ALTER TABLE "mail_log" ADD COLUMN "dedupe_key" TEXT;
ALTER TABLE "mail_log" ADD CONSTRAINT "mail_log_dedupe_key_check" CHECK (char_length("dedupe_key") BETWEEN 1 AND 200);
CREATE UNIQUE INDEX "mail_log_site_id_dedupe_key_key" ON "mail_log"("site_id", "dedupe_key");

-- ---- Webhook endpoints disabled for failing -----------------------------------------------------
ALTER TABLE "webhook_endpoints" ADD COLUMN "disabled_at" TIMESTAMPTZ(3);
ALTER TABLE "webhook_endpoints" ADD COLUMN "disabled_reason" TEXT;
ALTER TABLE "webhook_endpoints"
    ADD CONSTRAINT "webhook_endpoints_disabled_reason_check" CHECK (char_length("disabled_reason") BETWEEN 1 AND 500),
    -- Only a disabled endpoint carries the when and why of its disabling.
    ADD CONSTRAINT "webhook_endpoints_disabled_check" CHECK ("enabled" = false OR ("disabled_at" IS NULL AND "disabled_reason" IS NULL));

-- ---- Enqueueing from a site's transaction -------------------------------------------------------
-- Requests (and tasks acting for a site) run as orderdeck_app, which has no rights on the
-- graphile_worker schema. This function, owned by the schema's owner, is the only way in: it adds
-- the job in the caller's transaction (a rolled-back change enqueues nothing; a committed one
-- always has its job), and only for the caller's own site: the payload must name the site the
-- transaction acts for, and the job key is prefixed with it, so one site's key can never replace
-- another site's job. plpgsql plans the call to graphile_worker.add_job on first use, not at creation,
-- so this can be created before graphile-worker's schema is installed.
CREATE FUNCTION app_enqueue(
    task text,
    payload json,
    job_key text DEFAULT NULL,
    run_at timestamptz DEFAULT NULL,
    max_attempts integer DEFAULT NULL,
    queue text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    site uuid := app_current_site();
    job_id bigint;
BEGIN
    IF site IS NULL THEN
        RAISE EXCEPTION 'app_enqueue needs a transaction acting for a site (app.site_id is not set)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF json_typeof(app_enqueue.payload) IS DISTINCT FROM 'object' OR (app_enqueue.payload->>'siteId') IS DISTINCT FROM site::text THEN
        RAISE EXCEPTION 'app_enqueue: the payload of task % must carry the siteId of the transaction', app_enqueue.task
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT added.id INTO job_id
      FROM graphile_worker.add_job(
        identifier => app_enqueue.task,
        payload => app_enqueue.payload,
        queue_name => app_enqueue.queue,
        run_at => app_enqueue.run_at,
        max_attempts => app_enqueue.max_attempts,
        job_key => site::text || ':' || app_enqueue.job_key
      ) AS added;
    RETURN job_id;
END;
$$;

REVOKE ALL ON FUNCTION app_enqueue(text, json, text, timestamptz, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_enqueue(text, json, text, timestamptz, integer, text) TO orderdeck_app;
