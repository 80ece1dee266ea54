// npm run setup -w @orderdeck/server -- --site "Workshop" --timezone Europe/Berlin --admin-email a@example.com
//   [--admin-name "Ada Lovelace"] [--station "Front counter"]
//
// The one-time setup of a new installation against DATABASE_URL: applies the migrations, then
// creates the site and its first ADMIN with the password the person types (or pipes in), and, with
// --station, a one-time enrollment code for the first console. It refuses when the database has a
// site already (nothing is changed), and everything is checked before the database is touched.
// It reads no other setting, so it runs as it is in production (NODE_ENV=production never seeds).
import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import { createFirstSite, refuseWhenSetUp, type FirstSite } from "@orderdeck/api";
import { DomainError, FirstSiteInput, NEW_PASSWORD_MIN_LENGTH, describeInputIssues } from "@orderdeck/contracts";
import { applyMigrations, createPrismaClient } from "@orderdeck/db";
import { z } from "zod";
import { PasswordInputError, readPassword } from "./password.ts";

const USAGE = `Usage: npm run setup -w @orderdeck/server -- --site "<shop name>" --timezone <IANA zone> --admin-email <address>
         [--admin-name "<name>"] [--station "<first console's name>"]

Creates the site and its first admin on the empty database in DATABASE_URL (migrating it first,
over DATABASE_DIRECT_URL when PgBouncer sits in front).
The password is asked for at the terminal, or read from the first line of stdin when piped.
--station also makes a one-time enrollment code for the first console; it needs ORDERDECK_SECRET_KEY,
the same secret the server runs with.`;

/** Exit codes: 2 for what the person must correct, 1 for what refused or failed. */
class SetupRefusal extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

const DatabaseUrl = z.string().regex(/^postgres(ql)?:\/\//, "DATABASE_URL and DATABASE_DIRECT_URL must be postgres:// or postgresql:// URLs");

function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        site: { type: "string" },
        timezone: { type: "string" },
        "admin-email": { type: "string" },
        "admin-name": { type: "string" },
        station: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new SetupRefusal(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`, 2);
  }
}

function checked<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new SetupRefusal(`${describeInputIssues(parsed.error.issues)} Nothing was changed.`, 2);
  return parsed.data;
}

function nextSteps(created: FirstSite): string {
  const { site, admin, enrollment } = created;
  const station = enrollment
    ? [
        `2. Enroll the first console station "${enrollment.name}": on the console's first-run screen enter the server's address, then this one-time code`,
        `   (valid until ${enrollment.expiresAt}; shown only now):`,
        ``,
        `       ${enrollment.code}`,
        ``,
      ]
    : [
        `2. Enroll a console station. An admin makes a one-time enrollment code (valid 24 hours) on an enrolled console's`,
        `   Admin → Stations screen; for the first console, ask the API (here at http://127.0.0.1:4000; the first answer's`,
        `   result.data.token is the <token> of the second):`,
        ``,
        `       curl -s -X POST http://127.0.0.1:4000/trpc/auth.login -H 'content-type: application/json' \\`,
        `            -d '{"email":"${admin.email}","password":"<the password>"}'`,
        `       curl -s -X POST http://127.0.0.1:4000/trpc/stations.createEnrollment -H 'content-type: application/json' \\`,
        `            -H "authorization: Bearer <token>" -d '{"name":"Front counter"}'`,
        ``,
        `   and enter the code (result.data.code) on the console's first-run screen, after the server's address.`,
      ];
  return [
    `OrderDeck is set up.`,
    `  Site:   ${site.name} (${site.timezone})`,
    `  Admin:  ${admin.name} <${admin.email}>`,
    ``,
    `Next:`,
    `1. Start the server with the production settings (README, "Quick start for production"):`,
    `       NODE_ENV=production DATABASE_URL=… ORDERDECK_SECRET_KEY=… SMTP_HOST=… MAIL_FROM=… npm start -w @orderdeck/server`,
    ...station,
    `3. Sign in at that console as ${admin.email}; then add your team in Admin → Users and more stations in Admin → Stations.`,
  ].join("\n");
}

async function setup(argv: string[]): Promise<string> {
  const options = parseOptions(argv);
  if (options.help) return USAGE;
  for (const required of ["site", "timezone", "admin-email"] as const) {
    if (options[required] === undefined) throw new SetupRefusal(`--${required} is required.\n\n${USAGE}`, 2);
  }
  const databaseUrl = checked(DatabaseUrl, process.env.DATABASE_URL ?? "");
  // The migrator takes Prisma's advisory lock, which needs a session: past PgBouncer when one is in front.
  const directUrl = process.env.DATABASE_DIRECT_URL ? checked(DatabaseUrl, process.env.DATABASE_DIRECT_URL) : databaseUrl;
  const secretKey = process.env.ORDERDECK_SECRET_KEY;
  if (options.station !== undefined && (secretKey === undefined || secretKey.length < 32)) {
    throw new SetupRefusal("--station needs ORDERDECK_SECRET_KEY (at least 32 characters), the same secret the server runs with. Nothing was changed.", 2);
  }
  const email = options["admin-email"] ?? "";
  const details = {
    siteName: options.site,
    timezone: options.timezone,
    adminEmail: email,
    adminName: options["admin-name"] ?? email.split("@")[0],
    stationName: options.station,
  };
  // Everything but the password first, so a mistyped zone or address costs no typing.
  checked(FirstSiteInput.omit({ password: true }), details);

  const prisma = createPrismaClient(databaseUrl, { max: 2 });
  try {
    // A database that has a site is refused before anything is asked or migrated (an empty one has no tables yet).
    const [tables] = await prisma.$queryRaw<Array<{ migrated: boolean }>>`SELECT to_regclass('public.sites') IS NOT NULL AS migrated`;
    if (tables?.migrated) await refuseWhenSetUp(prisma);
    const password = await readPassword(email, `at least ${NEW_PASSWORD_MIN_LENGTH} characters`);
    const input = checked(FirstSiteInput, { ...details, password });
    const applied = await applyMigrations(directUrl, { log: (line) => console.error(line) });
    if (applied.length > 0) console.error(`applied ${applied.length} migration(s)`);
    const created = await createFirstSite(prisma, input, { origin: { requestId: `setup-${randomUUID()}`, ip: "setup-command" }, secretKey });
    return nextSteps(created);
  } finally {
    await prisma.$disconnect();
  }
}

try {
  console.log(await setup(process.argv.slice(2)));
} catch (error) {
  if (error instanceof SetupRefusal) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  if (error instanceof PasswordInputError) {
    console.error(error.message);
    process.exit(2);
  }
  if (error instanceof DomainError) {
    console.error(`${error.message} Nothing was changed.`);
    process.exit(1);
  }
  console.error(`Setup failed; nothing was changed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
