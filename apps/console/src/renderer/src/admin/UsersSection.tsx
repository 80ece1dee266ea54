import { NEW_PASSWORD_MIN_LENGTH, UserCreateInput, UserResetPasswordInput, UserRole, type UserView } from "@orderdeck/contracts";
import { useState, type FormEvent } from "react";
import type { ScreenProps } from "../navigation/screens.ts";
import { Button } from "../ui/Button.tsx";
import { Dialog } from "../ui/Dialog.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useMutation, useQuery } from "../ui/query.ts";
import { When } from "../ui/time.tsx";
import { check, Field, type FieldErrors } from "./form.tsx";

const ROLE_LABELS: Record<UserRole, string> = { STAFF: "Staff", LEAD: "Lead", ADMIN: "Admin" };

export function UsersSection({ client, online, setup }: ScreenProps) {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const users = useQuery(() => client.online.admin.users.list.query(cursor ? { cursor } : {}), [client, online, cursor]);
  const [done, setDone] = useState<string | null>(null);
  const changed = (message: string) => {
    setDone(message);
    users.refetch();
  };
  return (
    <div className="admin-section">
      <CreateUser client={client} onCreated={(user) => changed(`${user.name} (${user.email}) can now sign in as ${ROLE_LABELS[user.role]}.`)} />
      <section className="panel" aria-labelledby="admin-users-heading">
        <h2 id="admin-users-heading">Users</h2>
        {done && (
          <p role="status" className="admin-done">
            <span aria-hidden="true">✓ </span>
            {done}
          </p>
        )}
        <ErrorMessage error={users.error} what="The user list" />
        {users.data &&
          (users.data.users.length === 0 ? (
            <p className="muted">No users.</p>
          ) : (
            <table className="data-table" aria-label="Users">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {users.data.users.map((user) => (
                  <UserRow key={user.id} client={client} user={user} self={user.id === setup.user?.id} onChanged={changed} />
                ))}
              </tbody>
            </table>
          ))}
        <div className="button-row">
          {cursor && <Button onClick={() => setCursor(undefined)}>First page</Button>}
          {users.data?.nextCursor && <Button onClick={() => setCursor(users.data?.nextCursor ?? undefined)}>Next page</Button>}
        </div>
      </section>
    </div>
  );
}

function CreateUser({ client, onCreated }: { client: ScreenProps["client"]; onCreated: (user: UserView) => void }) {
  const empty = { email: "", name: "", role: "STAFF" as UserRole, password: "" };
  const [values, setValues] = useState(empty);
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useMutation((input: typeof empty) => client.online.admin.users.create.mutate(input));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = check(UserCreateInput, values);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    const user = await create.run(values);
    if (user) {
      setValues(empty);
      onCreated(user);
    }
  };
  const set = (key: keyof typeof empty) => (value: string) => setValues((v) => ({ ...v, [key]: value }));
  return (
    <section className="panel" aria-labelledby="admin-create-user-heading">
      <h2 id="admin-create-user-heading">Create a user</h2>
      <form onSubmit={submit} noValidate className="admin-form">
        <Field id="new-user-name" label="Name" error={errors.name}>
          {(describedBy) => <input id="new-user-name" value={values.name} onChange={(e) => set("name")(e.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(errors.name)} autoComplete="off" />}
        </Field>
        <Field id="new-user-email" label="Email" error={errors.email}>
          {(describedBy) => (
            <input id="new-user-email" type="email" value={values.email} onChange={(e) => set("email")(e.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(errors.email)} autoComplete="off" />
          )}
        </Field>
        <Field id="new-user-role" label="Role" error={errors.role}>
          {(describedBy) => (
            <select id="new-user-role" value={values.role} onChange={(e) => set("role")(e.target.value)} aria-describedby={describedBy}>
              {UserRole.options.map((role) => (
                <option key={role} value={role}>
                  {ROLE_LABELS[role]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="new-user-password" label="First password" error={errors.password} hint={`At least ${NEW_PASSWORD_MIN_LENGTH} characters; give it to the person, who signs in with it.`}>
          {(describedBy) => (
            <input
              id="new-user-password"
              type="password"
              value={values.password}
              onChange={(e) => set("password")(e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={Boolean(errors.password)}
              autoComplete="new-password"
            />
          )}
        </Field>
        <div className="button-row">
          <Button type="submit" variant="primary" busy={create.pending} busyLabel="Creating…">
            Create user
          </Button>
        </div>
        <ErrorMessage error={create.error} what="Creating the user" />
      </form>
    </section>
  );
}

function UserRow({ client, user, self, onChanged }: { client: ScreenProps["client"]; user: UserView; self: boolean; onChanged: (message: string) => void }) {
  const [role, setRole] = useState<UserRole>(user.role);
  const [resetOpen, setResetOpen] = useState(false);
  const toggle = useMutation(() => (user.disabled ? client.online.admin.users.enable.mutate({ userId: user.id }) : client.online.admin.users.disable.mutate({ userId: user.id })));
  const changeRole = useMutation((next: UserRole) => client.online.admin.users.changeRole.mutate({ userId: user.id, role: next }));
  return (
    <tr>
      <th scope="row">
        {user.name}
        {self && <span className="muted"> (you)</span>}
      </th>
      <td>{user.email}</td>
      <td>
        <div className="admin-inline">
          <label className="admin-visually-hidden" htmlFor={`role-${user.id}`}>
            Role of {user.name}
          </label>
          <select id={`role-${user.id}`} value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
            {UserRole.options.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
          <Button
            disabled={role === user.role}
            busy={changeRole.pending}
            busyLabel="Saving…"
            aria-label={`Save the role of ${user.name}`}
            onClick={async () => {
              const updated = await changeRole.run(role);
              if (updated) onChanged(`${updated.name} is now ${ROLE_LABELS[updated.role]}; their sessions ended, they sign in again.`);
            }}
          >
            Save role
          </Button>
        </div>
        <ErrorMessage error={changeRole.error} what="Changing the role" />
      </td>
      <td>{user.disabled ? <strong>Disabled</strong> : "Enabled"}</td>
      <td>{user.lastSignInAt ? <When iso={user.lastSignInAt} /> : <span className="muted">never</span>}</td>
      <td>
        <div className="button-row">
          <Button
            variant={user.disabled ? "secondary" : "danger"}
            busy={toggle.pending}
            busyLabel="Saving…"
            aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.name}`}
            onClick={async () => {
              const updated = await toggle.run(undefined);
              if (updated) onChanged(updated.disabled ? `${updated.name} is disabled and signed out everywhere.` : `${updated.name} can sign in again.`);
            }}
          >
            {user.disabled ? "Enable" : "Disable"}
          </Button>
          <Button aria-label={`Reset the password of ${user.name}`} onClick={() => setResetOpen(true)}>
            Reset password…
          </Button>
        </div>
        <ErrorMessage error={toggle.error} what={user.disabled ? "Enabling" : "Disabling"} />
        <ResetPassword client={client} user={user} open={resetOpen} onClose={() => setResetOpen(false)} onDone={onChanged} />
      </td>
    </tr>
  );
}

function ResetPassword({ client, user, open, onClose, onDone }: { client: ScreenProps["client"]; user: UserView; open: boolean; onClose: () => void; onDone: (message: string) => void }) {
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const reset = useMutation((value: string) => client.online.admin.users.resetPassword.mutate({ userId: user.id, password: value }));
  const id = `reset-${user.id}`;
  return (
    <Dialog title={`New password for ${user.name}`} open={open} onClose={onClose}>
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          const checked = check(UserResetPasswordInput, { userId: user.id, password });
          if (!checked.ok) {
            setErrors(checked.errors);
            return;
          }
          setErrors({});
          if (await reset.run(password)) {
            setPassword("");
            onClose();
            onDone(`${user.name} has a new password; their sessions ended.`);
          }
        }}
      >
        <Field id={id} label="New password" error={errors.password} hint={`At least ${NEW_PASSWORD_MIN_LENGTH} characters.`}>
          {(describedBy) => <input id={id} type="password" value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby={describedBy} autoComplete="new-password" />}
        </Field>
        <div className="button-row">
          <Button type="submit" variant="primary" busy={reset.pending} busyLabel="Saving…">
            Set password
          </Button>
          <Button onClick={onClose}>Cancel</Button>
        </div>
        <ErrorMessage error={reset.error} what="Resetting the password" />
      </form>
    </Dialog>
  );
}
