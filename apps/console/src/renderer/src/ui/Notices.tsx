import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { useTRPC, useTRPCClient } from "../trpc.ts";

interface Toast {
  id: string;
  level: "info" | "warning" | "error";
  message: string;
  /** A console-core notice: dismissing it tells the core too. */
  noticeId: number | null;
}

interface NoticesApi {
  /** A short message from the screen itself ("Status changed", "Saved"). */
  toast(level: Toast["level"], message: string): void;
}

const NoticesContext = createContext<NoticesApi>({ toast: () => {} });

export function useNotices(): NoticesApi {
  return useContext(NoticesContext);
}

/**
 * Toasts of the screens plus console-core's notices (a queued change the server later refused,
 * a conflict): those must reach the person even though the screen that made the change is gone.
 * They can appear after any sync, which asks for them again (useSyncRefresh).
 */
export function NoticesProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [own, setOwn] = useState<Toast[]>([]);
  // A failed read is no loss: notices are a courtesy, and the next sync asks again.
  const notices = useQuery(trpc.notices.list.queryOptions()).data ?? [];

  const toast = useCallback((level: Toast["level"], message: string) => {
    const id = `${Date.now()}-${Math.random()}`;
    setOwn((list) => [...list.slice(-4), { id, level, message, noticeId: null }]);
    // Information fades; warnings and errors stay until dismissed.
    if (level === "info") setTimeout(() => setOwn((list) => list.filter((t) => t.id !== id)), 6000);
  }, []);

  const dismiss = (item: Toast) => {
    if (item.noticeId !== null) {
      const noticeId = item.noticeId;
      queryClient.setQueryData(trpc.notices.list.queryKey(), (list) => list?.filter((n) => n.id !== noticeId));
      void client.notices.dismiss.mutate({ id: noticeId }).catch(() => {});
    } else {
      setOwn((list) => list.filter((t) => t.id !== item.id));
    }
  };

  const api = useMemo(() => ({ toast }), [toast]);
  const all: Toast[] = [
    ...notices.map((n) => ({ id: `notice-${n.id}`, level: n.level, message: n.message, noticeId: n.id })),
    ...own,
  ];
  return (
    <NoticesContext.Provider value={api}>
      {children}
      <section className="toasts" aria-label="Notices" aria-live="polite">
        {all.map((item) => (
          <div key={item.id} className={`toast toast--${item.level}`}>
            <span aria-hidden="true">{item.level === "info" ? "ℹ" : item.level === "warning" ? "!" : "✕"}</span>
            <span className="toast-level">{item.level === "info" ? "Info" : item.level === "warning" ? "Warning" : "Error"}:</span>
            <span className="toast-message">{item.message}</span>
            <button type="button" className="button button--secondary" onClick={() => dismiss(item)} aria-label={`Dismiss: ${item.message}`}>
              Dismiss
            </button>
          </div>
        ))}
      </section>
    </NoticesContext.Provider>
  );
}
