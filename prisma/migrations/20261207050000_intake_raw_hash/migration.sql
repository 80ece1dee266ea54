-- A full reconciliation reads every order of a feed again, and nearly all of them are unchanged.
-- The intake record keeps a hash of the order as the storefront sent it (raw_hash, with the
-- mapping's revision: api/src/intake/take-parse.ts rawRowHash), set only while the record holds
-- what that row maps to, so an unchanged order is recognised before it is checked and mapped.
-- Whatever changes the record's content without naming the raw row it came from clears it: a
-- stale raw hash must never stand for content the record no longer holds.

ALTER TABLE "intake_records" ADD COLUMN "raw_hash" TEXT;

CREATE FUNCTION "intake_records_raw_hash_follows"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW."payload_hash" IS DISTINCT FROM OLD."payload_hash" AND NEW."raw_hash" IS NOT DISTINCT FROM OLD."raw_hash" THEN
        NEW."raw_hash" := NULL;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER "intake_records_raw_hash_follows" BEFORE UPDATE OF "payload_hash" ON "intake_records"
    FOR EACH ROW EXECUTE FUNCTION "intake_records_raw_hash_follows"();
