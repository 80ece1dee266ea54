import { problemOf } from "./errors.ts";

/** "customer.email" → "Customer email": a field's path in words. */
function fieldLabel(path: string): string {
  const words = path
    .split(".")
    .filter((part) => !/^\d+$/.test(part))
    .join(" ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Shows why a call failed, field by field when the refusal names fields; says plainly when the reason is that the server is out of reach. */
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
        {/* Field by field when the refusal names fields (the message says the same in one line). */}
        <p className="problem-text">{problem.fields.length > 0 ? "Some fields need another value:" : problem.message}</p>
        {problem.fields.length > 0 && (
          <ul className="problem-fields" aria-label="Fields to correct">
            {problem.fields.map((field) => (
              <li key={`${field.path}:${field.message}`}>
                {field.path ? <strong>{fieldLabel(field.path)}:</strong> : null} {field.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
