// Setup: which server, enrollment of this console as a station, and who is signed in at it.
import { z } from "zod";
import { ConsoleRefusal, type ConsoleCoreApi, type SetupState } from "../api.ts";
import { installationKey } from "../store/installation.ts";
import { outboxSize } from "../store/outbox.ts";
import { Site, Station, User, type ConsoleContext } from "./context.ts";
import { serverUrlFromInput } from "./server-url.ts";

const Enrolled = z.object({ stationToken: z.string(), station: Station, site: Site });
const SignedIn = z.object({ token: z.string(), sessionId: z.string(), user: User, site: Site, station: Station.nullable() });

export function setupArea(ctx: ConsoleContext): ConsoleCoreApi["setup"] {
  const state = (): SetupState => ({
    serverUrl: ctx.serverUrl(),
    station: ctx.enrolled() ? ctx.parsed("station", Station) : null,
    user: ctx.signedIn() ? ctx.parsed("user", User) : null,
    site: ctx.parsed("site", Site),
  });

  return {
    state,
    setServerUrl(url) {
      const next = serverUrlFromInput(url);
      if (next !== ctx.serverUrl() && ctx.enrolled()) {
        throw new ConsoleRefusal("PRECONDITION_FAILED", "NOT_SET_UP", "This console is enrolled at its server; it cannot be pointed at another one.");
      }
      ctx.setSetting("server_url", next);
      return state();
    },
    async enroll(code) {
      // The installation key: enrolled again, this console keeps the server's record of the
      // changes its earlier station sent, so one applied but never confirmed is not applied twice.
      const enrolledAs = await ctx.onlineCall(
        (c) => c.mutation("stations.enroll", { code, installationKey: installationKey(ctx.db) }, Enrolled),
        "Enrolling",
      );
      ctx.saveCredentials({ stationToken: enrolledAs.stationToken, sessionToken: null });
      ctx.setSetting("station", JSON.stringify(enrolledAs.station));
      ctx.setSetting("site", JSON.stringify(enrolledAs.site));
      ctx.setSetting("user", null);
      ctx.setSetting("session_id", null);
      ctx.engine.touched();
      return state();
    },
    async signIn(email, password) {
      if (!ctx.enrolled()) throw new ConsoleRefusal("PRECONDITION_FAILED", "NOT_SET_UP", "Enroll this console before signing in.");
      const session = await ctx.onlineCall((c) => c.mutation("auth.login", { email, password }, SignedIn), "Signing in");
      ctx.saveCredentials({ ...ctx.credentials(), sessionToken: session.token });
      ctx.setSetting("user", JSON.stringify(session.user));
      ctx.setSetting("session_id", session.sessionId);
      ctx.setSetting("site", JSON.stringify(session.site));
      ctx.engine.touched();
      ctx.engine.kick();
      return state();
    },
    async signOut() {
      // Anyone can sign out at any time. Their waiting changes stay theirs: sent first while the
      // server is there, otherwise kept here and sent only under a later session of theirs (the
      // status bar and the sign-in screen say whom they wait for), never under the next person's.
      if (ctx.credentials().sessionToken && ctx.engine.reachable && outboxSize(ctx.db) > 0) await ctx.engine.syncNow();
      if (ctx.credentials().sessionToken) {
        // Best effort: offline, the session simply expires on the server.
        await ctx
          .serverClient()
          .mutation("auth.logout", undefined, z.unknown())
          .catch(() => undefined);
      }
      ctx.forgetSession();
      ctx.engine.touched();
      return state();
    },
  };
}
