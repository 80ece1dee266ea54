-- Indexes for the hourly retention's prunes of the client-mutation ledger
-- (packages/api/src/retention/service.ts): a site's answers by age, and a console installation's later pushes.
-- Intake runs (site_id, started_at) and sessions (expires_at) have theirs already.

CREATE INDEX "client_mutations_site_id_applied_at_idx" ON "client_mutations"("site_id", "applied_at");

CREATE INDEX "client_mutations_site_id_installation_id_received_at_idx" ON "client_mutations"("site_id", "installation_id", "received_at");
