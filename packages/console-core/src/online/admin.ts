import {
  CsvImportInput,
  CsvImportResult,
  DeadLetterListInput,
  DeadLetterPage,
  DeadLetterRef,
  DeadLetterResolveInput,
  DeadLetterRetryResult,
  DeadLetterView,
  EnrollmentCreated,
  IntakeRunNowInput,
  IntakeRunNowResult,
  IntakeRunsListInput,
  IntakeRunsPage,
  IntakeSourceList,
  IntakeSourceUpdateInput,
  IntakeSourceView,
  SiteSettings,
  SiteSettingsUpdateInput,
  SiteShiftRulesUpdateInput,
  StationEnrollmentInput,
  StationList,
  StationRef,
  StationRevoked,
  UserChangeRoleInput,
  UserCreateInput,
  UserPage,
  UserRef,
  UserResetPasswordInput,
  UsersListInput,
  UserView,
  WebhookCreateInput,
  WebhookDeleted,
  WebhookDeliveriesInput,
  WebhookDeliveryPage,
  WebhookEndpointList,
  WebhookEndpointView,
  WebhookEndpointWithSecret,
  WebhookRef,
  WebhookUpdateInput,
} from "@orderdeck/contracts";
import { z } from "zod";
import { t } from "../local-trpc.ts";
import { serverMutation, serverQuery, type CoreOf } from "./passthrough.ts";

// Running the site: users, stations, the storefront feed, webhooks, the SLA thresholds, the timezone and shifts. The
// server decides who may (ADMIN for most; the feed's runs and dead letters are LEAD's too); a
// refusal reaches the screen with the server's code and message.
//
// Inputs are parsed here with the contracts' schemas and sent parsed (the server parses them
// again with the same schemas: their transforms, a URL normalised or a default filled in, give
// the same value twice).
export function adminRouter(core: CoreOf) {
  const none = z.undefined();
  return t.router({
    users: t.router({
      list: serverQuery(core, "users.list", UsersListInput, UserPage, "The user list"),
      create: serverMutation(core, "users.create", UserCreateInput, UserView, "Creating a user"),
      disable: serverMutation(core, "users.disable", UserRef, UserView, "Disabling a user"),
      enable: serverMutation(core, "users.enable", UserRef, UserView, "Enabling a user"),
      resetPassword: serverMutation(core, "users.resetPassword", UserResetPasswordInput, UserView, "Resetting a password"),
      changeRole: serverMutation(core, "users.changeRole", UserChangeRoleInput, UserView, "Changing a role"),
    }),

    stations: t.router({
      list: serverQuery(core, "stations.list", none, StationList, "The station list"),
      createEnrollment: serverMutation(core, "stations.createEnrollment", StationEnrollmentInput, EnrollmentCreated, "Creating an enrollment code"),
      revoke: serverMutation(core, "stations.revoke", StationRef, StationRevoked, "Revoking a station"),
    }),

    intake: t.router({
      sources: serverQuery(core, "intake.sources.list", none, IntakeSourceList, "The feed sources"),
      updateSource: serverMutation(core, "intake.sources.update", IntakeSourceUpdateInput, IntakeSourceView, "Changing a feed source"),
      runNow: serverMutation(core, "intake.runNow", IntakeRunNowInput, IntakeRunNowResult, "Running the feed"),
      runs: serverQuery(core, "intake.runs", IntakeRunsListInput, IntakeRunsPage, "The feed's runs"),
      importCsv: serverMutation(core, "intake.importCsv", CsvImportInput, CsvImportResult, "Importing the CSV"),
      deadLetters: serverQuery(core, "intake.deadLetters.list", DeadLetterListInput, DeadLetterPage, "The feed's dead letters"),
      retryDeadLetter: serverMutation(core, "intake.deadLetters.retry", DeadLetterRef, DeadLetterRetryResult, "Retrying a dead letter"),
      resolveDeadLetter: serverMutation(core, "intake.deadLetters.resolve", DeadLetterResolveInput, DeadLetterView, "Resolving a dead letter"),
    }),

    webhooks: t.router({
      list: serverQuery(core, "webhooks.list", none, WebhookEndpointList, "The webhook endpoints"),
      create: serverMutation(core, "webhooks.create", WebhookCreateInput, WebhookEndpointWithSecret, "Creating a webhook endpoint"),
      update: serverMutation(core, "webhooks.update", WebhookUpdateInput, WebhookEndpointView, "Changing a webhook endpoint"),
      delete: serverMutation(core, "webhooks.delete", WebhookRef, WebhookDeleted, "Deleting a webhook endpoint"),
      rotateSecret: serverMutation(core, "webhooks.rotateSecret", WebhookRef, WebhookEndpointWithSecret, "Rotating a webhook secret"),
      deliveries: serverQuery(core, "webhooks.deliveries", WebhookDeliveriesInput, WebhookDeliveryPage, "The webhook delivery log"),
    }),

    site: t.router({
      settings: serverQuery(core, "site.settings", none, SiteSettings, "The site settings"),
      updateSettings: serverMutation(core, "site.updateSettings", SiteSettingsUpdateInput, SiteSettings, "Changing the site settings"),
      updateShiftRules: serverMutation(core, "site.updateShiftRules", SiteShiftRulesUpdateInput, SiteSettings, "Changing the timezone and shifts"),
    }),
  });
}
