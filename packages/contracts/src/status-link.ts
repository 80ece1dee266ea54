import { z } from "zod";

// The customer's status page link of a job: a lead sees it, revokes it, or issues a new one
// (which ends the old one). The page itself is served by the API without sign-in.

export const StatusLinkInput = z.strictObject({ jobId: z.uuid("Choose a job: the id is not a job id.") });
export type StatusLinkInput = z.input<typeof StatusLinkInput>;

export const StatusLinkState = z.enum(["ACTIVE", "REVOKED", "NONE"]);
export type StatusLinkState = z.infer<typeof StatusLinkState>;

export const StatusLinkView = z.object({
  jobId: z.string(),
  /** ACTIVE: the link opens the page; REVOKED: a lead ended it; NONE: never issued (the job was not ready yet). */
  state: StatusLinkState,
  /** The page's address while ACTIVE, when the server knows its public address (PUBLIC_BASE_URL). */
  url: z.string().nullable(),
  issuedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** Reissue only: whether the "ready for pickup" mail went out again with the new link. */
  mailed: z.boolean().optional(),
});
export type StatusLinkView = z.infer<typeof StatusLinkView>;
