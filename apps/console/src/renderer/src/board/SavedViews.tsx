import { useState } from "react";
import type { LocalClient } from "../local-client.ts";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useMutation, useQuery } from "../ui/query.ts";
import type { BoardFilter } from "./board-data.ts";

/** Saved filters, kept on the server (online only); the board itself works without them. */
export function SavedViews({ client, online, filter, onApply }: { client: LocalClient; online: boolean; filter: BoardFilter; onApply: (filter: BoardFilter) => void }) {
  const views = useQuery(() => (online ? client.online.views.list.query() : Promise.resolve(null)), [client, online]);
  const [name, setName] = useState("");
  const save = useMutation((viewName: string) =>
    client.online.views.create.mutate({
      name: viewName,
      filter: { archived: "exclude", ...(filter.statuses ? { statuses: filter.statuses } : {}), ...(filter.search ? { search: filter.search } : {}) },
    }),
  );
  const remove = useMutation((id: string) => client.online.views.delete.mutate({ id }));

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
          void save.run(name.trim()).then((view) => {
            if (view) {
              setName("");
              views.refetch();
            }
          });
        }}
      >
        <label htmlFor="saved-view-name">Save current filter as</label>
        <input id="saved-view-name" value={name} maxLength={80} onChange={(event) => setName(event.target.value)} />
        <Button type="submit" busy={save.pending} busyLabel="Saving…">
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
                  <Button variant="danger" onClick={() => void remove.run(view.id).then(() => views.refetch())}>
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
