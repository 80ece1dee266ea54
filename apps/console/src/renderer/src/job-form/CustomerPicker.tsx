import { skipToken, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc.ts";
import { Button } from "../ui/Button.tsx";

export type CustomerChoice =
  | { kind: "none" }
  | { kind: "existing"; id: string; name: string }
  | { kind: "new"; customer: { name: string; email?: string; phone?: string } };

/** Picks a customer from this console's copy (offline too), or names a new one to create with the job. */
export function CustomerPicker({ value, onChange, error }: { value: CustomerChoice; onChange: (next: CustomerChoice) => void; error: string | undefined }) {
  const [text, setText] = useState("");
  const searching = text.trim().length >= 2;
  const found = useQuery(useTRPC().customers.search.queryOptions(searching ? { text } : skipToken));
  // Under two letters there is nothing to match, and earlier matches go away.
  const matches = searching ? found.data : [];

  if (value.kind === "existing") {
    return (
      <fieldset className="form-field">
        <legend>Customer</legend>
        <p>
          <strong>{value.name}</strong> <Button onClick={() => onChange({ kind: "none" })}>Change customer</Button>
        </p>
      </fieldset>
    );
  }
  if (value.kind === "new") {
    const update = (key: "name" | "email" | "phone", input: string) => {
      const next: { name: string; email?: string; phone?: string } = { ...value.customer, [key]: input };
      if (key !== "name" && input.trim() === "") delete next[key];
      onChange({ kind: "new", customer: next });
    };
    return (
      <fieldset className={`form-field${error ? " form-field--invalid" : ""}`}>
        <legend>New customer</legend>
        <label htmlFor="customer-name">Customer name</label>
        <input id="customer-name" value={value.customer.name} onChange={(e) => update("name", e.target.value)} />
        <label htmlFor="customer-email">Customer e-mail</label>
        <input id="customer-email" type="email" value={value.customer.email ?? ""} onChange={(e) => update("email", e.target.value)} />
        <label htmlFor="customer-phone">Customer phone</label>
        <input id="customer-phone" value={value.customer.phone ?? ""} onChange={(e) => update("phone", e.target.value)} />
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <Button onClick={() => onChange({ kind: "none" })}>Pick an existing customer instead</Button>
      </fieldset>
    );
  }
  return (
    <fieldset className={`form-field${error ? " form-field--invalid" : ""}`}>
      <legend>Customer</legend>
      <label htmlFor="customer-search">Find a customer</label>
      <input id="customer-search" value={text} placeholder="Name, e-mail or phone" onChange={(e) => setText(e.target.value)} />
      <ul className="customer-matches" aria-label="Matching customers">
        {(matches ?? []).map((customer) => (
          <li key={customer.id}>
            <Button onClick={() => onChange({ kind: "existing", id: customer.id, name: customer.name })}>
              {customer.name}
              {customer.email ? ` · ${customer.email}` : ""}
            </Button>
          </li>
        ))}
      </ul>
      <Button onClick={() => onChange({ kind: "new", customer: { name: text.trim() } })}>New customer</Button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
