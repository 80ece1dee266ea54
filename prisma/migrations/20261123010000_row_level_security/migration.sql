-- Row-level security: the second wall between sites, behind the site filter in every query.
--
-- Requests run their queries in a transaction that sets `app.site_id` and switches to the
-- unprivileged role `orderdeck_app` (see packages/db/src/site-scope.ts); that role sees and
-- writes only rows of that site. A transaction that sets no site sees nothing (fail closed).
-- The connecting user (the tables' owner) is not subject to the policies: sign-in, the worker,
-- migrations and the seed run as it, before a site is known or across sites on purpose.
--
-- Deployments: the connecting user needs CREATEROLE the first time this runs (or an operator
-- creates `orderdeck_app` NOLOGIN beforehand and grants it to that user).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orderdeck_app') THEN
    CREATE ROLE orderdeck_app NOLOGIN;
  END IF;
END
$$;

GRANT orderdeck_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO orderdeck_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO orderdeck_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO orderdeck_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO orderdeck_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO orderdeck_app;

-- The site the current transaction acts for, or NULL when none was set.
CREATE FUNCTION app_current_site() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.site_id', true), '')::uuid $$;

ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_isolation ON sites USING (id = app_current_site()) WITH CHECK (id = app_current_site());

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'users', 'sessions', 'stations', 'station_enrollments', 'customers', 'jobs', 'job_events',
    'invoices', 'receipts', 'payments', 'counters', 'saved_views', 'handoffs', 'scan_records',
    'client_mutations', 'webhook_endpoints', 'webhook_deliveries', 'intake_sources', 'intake_runs',
    'intake_dead_letters', 'mail_log', 'audit_log'
  ]
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY site_isolation ON %I USING (site_id = app_current_site()) WITH CHECK (site_id = app_current_site())',
      t
    );
  END LOOP;
END
$$;
