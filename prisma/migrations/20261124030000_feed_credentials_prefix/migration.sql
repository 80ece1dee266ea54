-- A feed source names the environment variable that holds its storefront's bearer token, and the
-- server sends that variable's value to the source's URL. Any name at all would let an admin send
-- DATABASE_URL or ORDERDECK_SECRET_KEY to a host of their choosing, so from now on only names
-- under ORDERDECK_FEED_ are allowed (contracts' CredentialsRef says the same to a person).
--
-- `npm start`'s own demo feed named ORDERDECK_DEMO_FEED_TOKEN, a token it makes at each start: it
-- keeps running under its new name (scripts/demo-feed.ts sets ORDERDECK_FEED_DEMO_TOKEN).
UPDATE "intake_sources" SET "credentials_ref" = 'ORDERDECK_FEED_DEMO_TOKEN' WHERE "credentials_ref" = 'ORDERDECK_DEMO_FEED_TOKEN';

-- Any other source that names another variable is disabled and its reference cleared (the server must never
-- read that variable again), and the reason is recorded as a failed run of the source, which the
-- admin sees in its run history: put the token in an ORDERDECK_FEED_ variable, name it, enable.
INSERT INTO "intake_runs" ("id", "site_id", "source_id", "mode", "status", "started_at", "finished_at", "error")
SELECT gen_random_uuid(), s."site_id", s."id", 'INCREMENTAL', 'FAILED', now(), now(),
       'Disabled by the upgrade: credentialsRef named ' || s."credentials_ref" || ', which is not under ORDERDECK_FEED_; '
       || 'the server reads only variables named ORDERDECK_FEED_… for a feed. Put the storefront''s token in such a variable '
       || 'on every server (e.g. ORDERDECK_FEED_SHOP_TOKEN), set the source''s credentialsRef to its name and enable the source again.'
  FROM "intake_sources" s
 WHERE s."credentials_ref" IS NOT NULL AND s."credentials_ref" !~ '^ORDERDECK_FEED_[A-Za-z0-9_]{1,113}$';

UPDATE "intake_sources"
   SET "enabled" = false,
       "credentials_ref" = NULL,
       "consecutive_failures" = "consecutive_failures" + 1,
       "updated_at" = now()
 WHERE "credentials_ref" IS NOT NULL AND "credentials_ref" !~ '^ORDERDECK_FEED_[A-Za-z0-9_]{1,113}$';

ALTER TABLE "intake_sources"
    DROP CONSTRAINT IF EXISTS "intake_sources_credentials_ref_format_check",
    ADD CONSTRAINT "intake_sources_credentials_ref_format_check" CHECK ("credentials_ref" ~ '^ORDERDECK_FEED_[A-Za-z0-9_]{1,113}$');
