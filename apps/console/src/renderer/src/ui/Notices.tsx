import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { Notice } from "../../../shared/local-api.ts";
import type { LocalClient } from "../local-client.ts";

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
 * `refreshKey` changes after every sync, which is when new notices can appear.
 */
export function NoticesProvider({ client, refreshKey, children }: { client: LocalClient; refreshKey: string | null; children: ReactNode }) {
  const [own, setOwn] = useState<Toast[]>([]);
  const [notices, setNotices] = useState<Notice[]>([]);

  useEffect(() => {
    let cancelled = false;
    client.notices.list.query().then(
      (list) => {
        if (!cancelled) setNotices(list);
      },
      () => {
        // Notices are a courtesy; the next sync tries again.
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, refreshKey]);

  const toast = useCallback((level: Toast["level"], message: string) => {
    const id = `${Date.now()}-${Math.random()}`;
    setOwn((list) => [...list.slice(-4), { id, level, message, noticeId: null }]);
    // Information fades; warnings and errors stay until dismissed.
    if (level === "info") setTimeout(() => setOwn((list) => list.filter((t) => t.id !== id)), 6000);
  }, []);

  const dismiss = (item: Toast) => {
    if (item.noticeId !== null) {
      const noticeId = item.noticeId;
      setNotices((list) => list.filter((n) => n.id !== noticeId));
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
