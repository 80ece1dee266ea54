import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import type { BoardFilter } from "./board-data.ts";

/** Saved filters, kept on the server (online only); the board itself works without them. */
export function SavedViews({ online, filter, onApply }: { online: boolean; filter: BoardFilter; onApply: (filter: BoardFilter) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const views = useQuery(trpc.online.views.list.queryOptions(undefined, { enabled: online }));
  const [name, setName] = useState("");
  // Saved or deleted, the list is asked for again whatever the answer.
  const refetchViews = { onSettled: () => queryClient.invalidateQueries(trpc.online.views.list.queryFilter()) };
  const save = useAction(trpc.online.views.create.mutationOptions(refetchViews));
  const remove = useAction(trpc.online.views.delete.mutationOptions(refetchViews));

  if (!online) return <p className="muted saved-views">Saved views need the server (offline now).</p>;
  return (
    <div className="saved-views" role="group" aria-label="Saved views">
      <label htmlFor="saved-view">View</label>
      <select
        id="saved-view"
        defaultValue=""
        onChange={(event) => {
          const view = views.data?.find((v) => v.id === event.target.value);
          onApply(view ? { statuses: view.filter.statuses ?? null, search: view.filter.search ?? "" } : { statuses: null, search: "" });
        }}
      >
        <option value="">Whole queue</option>
        {views.data?.map((view) => (
          <option key={view.id} value={view.id}>
            {view.name}
            {view.scope === "SITE" ? " (shared)" : ""}
          </option>
        ))}
      </select>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (!name.trim()) return;
          void save
            .run({
              name: name.trim(),
              filter: { archived: "exclude", ...(filter.statuses ? { statuses: filter.statuses } : {}), ...(filter.search ? { search: filter.search } : {}) },
            })
            .then((view) => {
              if (view) setName("");
            });
        }}
      >
        <label htmlFor="saved-view-name">Save current filter as</label>
        <input id="saved-view-name" value={name} maxLength={80} onChange={(event) => setName(event.target.value)} />
        <Button type="submit" busy={save.isPending} busyLabel="Saving…">
          Save view
        </Button>
      </form>
      {views.data && views.data.some((view) => view.editable) && (
        <details>
          <summary>Manage views</summary>
          <ul>
            {views.data
              .filter((view) => view.editable)
              .map((view) => (
                <li key={view.id}>
                  {view.name}{" "}
                  <Button variant="danger" onClick={() => void remove.run({ id: view.id })}>
                    Delete {view.name}
                  </Button>
                </li>
              ))}
          </ul>
        </details>
      )}
      <ErrorMessage error={views.error} what="Loading saved views" />
      <ErrorMessage error={save.error} what="Saving the view" />
      <ErrorMessage error={remove.error} what="Deleting the view" />
    </div>
  );
}
