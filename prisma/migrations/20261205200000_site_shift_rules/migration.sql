-- A site's shift boundaries and timezone, as versions that each apply from an instant.
--
-- An admin's change applies from the start of the next shift under the rules it replaces, so a
-- shift that is running keeps the length it started with, and every period in the past (a handoff
-- written, a reminder sent, a report asked for a past shift) is computed with the rules that were
-- valid then. A site without rows works to the built-in 06:00 / 14:00 / 22:00 in `sites.timezone`
-- (contracts' DEFAULT_SHIFTS); its first change writes that base version from the beginning of time
-- before the new one, so the history always says what held before.
CREATE TABLE "site_shift_rules" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "timezone" TEXT NOT NULL,
    -- [{ "start": "06:00", "name": "Early" }, …]: checked by contracts' ShiftList before it is written.
    "shifts" JSONB NOT NULL,
    -- Who made it is in the audit log (site.update_shift_rules), with the rules before and after.
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "site_shift_rules_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "site_shift_rules_shifts_check" CHECK (jsonb_typeof("shifts") = 'array' AND jsonb_array_length("shifts") BETWEEN 1 AND 6),
    CONSTRAINT "site_shift_rules_timezone_check" CHECK (char_length("timezone") BETWEEN 1 AND 64)
);

CREATE UNIQUE INDEX "site_shift_rules_site_id_effective_from_key" ON "site_shift_rules"("site_id", "effective_from");
ALTER TABLE "site_shift_rules" ADD CONSTRAINT "site_shift_rules_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "site_shift_rules" ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_isolation ON "site_shift_rules" USING (site_id = app_current_site()) WITH CHECK (site_id = app_current_site());
GRANT SELECT, INSERT, UPDATE, DELETE ON "site_shift_rules" TO orderdeck_app;

-- Consoles carry the shift rules and SLA thresholds for the offline handoff and the board's
-- colours: a change to either pokes them to pull (the first page of a round carries the site).
CREATE TRIGGER "site_shift_rules_notify_insert" AFTER INSERT ON "site_shift_rules"
    REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "notify_site_changes"();

CREATE FUNCTION "notify_site_settings_changes"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('orderdeck_site_changes', s."id"::text)
       FROM (SELECT DISTINCT "id" FROM "changed_rows") s;
    RETURN NULL;
END;
$$;

CREATE TRIGGER "sites_notify_update" AFTER UPDATE ON "sites"
    REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "notify_site_settings_changes"();
