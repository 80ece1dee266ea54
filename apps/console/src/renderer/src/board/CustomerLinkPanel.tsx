import type { StatusLinkView } from "@orderdeck/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useNotices } from "../ui/Notices.tsx";
import { When } from "../ui/time.tsx";

function stateText(link: StatusLinkView) {
  switch (link.state) {
    case "ACTIVE":
      return (
        <>
          The customer&apos;s link works (issued {link.issuedAt ? <When iso={link.issuedAt} /> : "—"}).
        </>
      );
    case "REVOKED":
      return <>Revoked {link.revokedAt ? <When iso={link.revokedAt} /> : ""}: the page answers &quot;not found&quot; until a new link is issued.</>;
    case "NONE":
      return <>No link yet: the &quot;ready for pickup&quot; mail brings the first one.</>;
  }
}

/**
 * A lead's view of the job's customer status page link: revoke it (the page is gone at once) or
 * issue a new one (the old one stops working; a ready job's customer is mailed the new one).
 */
export function CustomerLinkPanel({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { toast } = useNotices();
  const link = useQuery(trpc.online.statusLink.get.queryOptions({ jobId }));
  const refresh = { onSuccess: (answer: StatusLinkView) => queryClient.setQueryData(trpc.online.statusLink.get.queryKey({ jobId }), answer) };
  const revoke = useAction(trpc.online.statusLink.revoke.mutationOptions(refresh));
  const reissue = useAction(trpc.online.statusLink.reissue.mutationOptions(refresh));
  const current = link.data;

  return (
    <section className="panel no-print" aria-labelledby="customer-link-heading">
      <h2 id="customer-link-heading">Customer&apos;s status page</h2>
      <ErrorMessage error={link.error} what="The customer's link" />
      {current && (
        <>
          <p role="status">{stateText(current)}</p>
          {current.url && (
            <p>
              <code className="customer-link">{current.url}</code>
            </p>
          )}
          <div className="button-row" role="group" aria-label="Customer's link">
            {current.state === "ACTIVE" && (
              <Button
                busy={revoke.isPending}
                busyLabel="Revoking…"
                onClick={() =>
                  void revoke.run({ jobId }).then((answer) => {
                    if (answer) toast("info", "Link revoked: the customer's page is gone.");
                  })
                }
              >
                Revoke link
              </Button>
            )}
            <Button
              busy={reissue.isPending}
              busyLabel="Issuing…"
              onClick={() =>
                void reissue.run({ jobId }).then((answer) => {
                  if (!answer) return;
                  const old = current.state === "ACTIVE" ? " The old link no longer works." : "";
                  toast("info", answer.mailed ? `New link mailed to the customer.${old}` : `New link issued (not mailed: the job is not ready or has no e-mail).${old}`);
                })
              }
            >
              {current.state === "NONE" ? "Issue link" : "Issue a new link"}
            </Button>
          </div>
        </>
      )}
      <ErrorMessage error={revoke.error} what="Revoking the link" />
      <ErrorMessage error={reissue.error} what="Issuing a new link" />
    </section>
  );
}
