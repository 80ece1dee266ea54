import { problemOf } from "./errors.ts";

/** Shows why a call failed; says plainly when the reason is that the server is out of reach. */
export function ErrorMessage({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  const problem = problemOf(error);
  return (
    <div role="alert" className={`problem-box ${problem.offline ? "problem-box--offline" : ""}`}>
      <span className="problem-icon" aria-hidden="true">
        {problem.offline ? "⚡" : "✕"}
      </span>
      <div>
        {problem.offline ? (
          <p className="problem-title">Offline: {what ?? "this"} needs the server, which cannot be reached right now.</p>
        ) : (
          what && <p className="problem-title">{what} failed.</p>
        )}
        <p className="problem-text">{problem.message}</p>
      </div>
    </div>
  );
}
