-- The client-mutation ledger is keyed on the console installation, not the station.
--
-- A console that is enrolled again (its station revoked, its token lost) gets a new station. Its
-- outbox may still hold a change the server applied but never confirmed (the answer was lost);
-- keyed per station, that change would be applied a second time. An installation is the console's
-- SQLite database: it makes a random 256-bit key once, sends it at every enrollment, and the server
-- keeps only the key's SHA-256 (no server secret in it, so rotating ORDERDECK_SECRET_KEY does not
-- part a console from its ledger). A station enrolled with the key of an earlier station of the same site
-- takes over that station's installation id, and with it the ledger entries of its changes.
-- A station enrolled without a key (an older console, a script) is an installation of its own.
--
-- Nothing but the key links two stations, and the key never leaves the console except to enroll:
-- another station cannot claim, read or block the entries of an installation it is not.

ALTER TABLE "stations" ADD COLUMN "installation_id" UUID NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE "stations" ADD COLUMN "installation_key_hash" TEXT;
CREATE INDEX "stations_site_id_installation_key_hash_idx" ON "stations"("site_id", "installation_key_hash");

ALTER TABLE "client_mutations" ADD COLUMN "installation_id" UUID;
UPDATE "client_mutations" m SET "installation_id" = s."installation_id" FROM "stations" s WHERE s."id" = m."station_id";
ALTER TABLE "client_mutations" ALTER COLUMN "installation_id" SET NOT NULL;

DROP INDEX "client_mutations_station_id_mutation_id_key";
CREATE UNIQUE INDEX "client_mutations_site_id_installation_id_mutation_id_key" ON "client_mutations"("site_id", "installation_id", "mutation_id");
-- The station stays for the record (and its foreign key's cascade).
CREATE INDEX "client_mutations_station_id_idx" ON "client_mutations"("station_id");
