import { NEW_PASSWORD_MIN_LENGTH, UserCreateInput, UserResetPasswordInput, UserRole, type UserView } from "@orderdeck/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { ScreenProps } from "../navigation/screens.ts";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { ActionTable } from "../ui/ActionTable.tsx";
import { Button } from "../ui/Button.tsx";
import { Dialog } from "../ui/Dialog.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { When } from "../ui/time.tsx";
import { check, Done, EnableButton, Field, type FieldErrors, SubmitRow } from "./form.tsx";

const ROLE_LABELS: Record<UserRole, string> = { STAFF: "Staff", LEAD: "Lead", ADMIN: "Admin" };

export function UsersSection({ setup }: ScreenProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const users = useQuery(trpc.online.admin.users.list.queryOptions(cursor ? { cursor } : {}));
  const [done, setDone] = useState<string | null>(null);
  const changed = (message: string) => {
    setDone(message);
    void queryClient.invalidateQueries(trpc.online.admin.users.list.pathFilter());
  };
  return (
    <div className="admin-section">
      <CreateUser onCreated={(user) => changed(`${user.name} (${user.email}) can now sign in as ${ROLE_LABELS[user.role]}.`)} />
      <section className="panel" aria-labelledby="admin-users-heading">
        <h2 id="admin-users-heading">Users</h2>
        <Done message={done} />
        <ErrorMessage error={users.error} what="The user list" />
        {users.data && (
          <ActionTable
            label="Users"
            rows={users.data.users}
            rowKey={(user) => user.id}
            empty="No users."
            columns={[
              {
                header: "Name",
                rowHeader: true,
                cell: (user) => (
                  <>
                    {user.name}
                    {user.id === setup.user?.id && <span className="muted"> (you)</span>}
                  </>
                ),
              },
              { header: "Email", cell: (user) => user.email },
              { header: "Role", cell: (user) => <RoleChoice user={user} onChanged={changed} /> },
              { header: "Status", cell: (user) => (user.disabled ? <strong>Disabled</strong> : "Enabled") },
              { header: "Last sign-in", cell: (user) => (user.lastSignInAt ? <When iso={user.lastSignInAt} /> : <span className="muted">never</span>) },
            ]}
            actions={(user) => <UserActions user={user} onChanged={changed} />}
          />
        )}
        <div className="button-row">
          {cursor && <Button onClick={() => setCursor(undefined)}>First page</Button>}
          {users.data?.nextCursor && <Button onClick={() => setCursor(users.data?.nextCursor ?? undefined)}>Next page</Button>}
        </div>
      </section>
    </div>
  );
}

function CreateUser({ onCreated }: { onCreated: (user: UserView) => void }) {
  const empty = { email: "", name: "", role: "STAFF" as UserRole, password: "" };
  const [values, setValues] = useState(empty);
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useAction(useTRPC().online.admin.users.create.mutationOptions());
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
        <SubmitRow label="Create user" busy={create.isPending} busyLabel="Creating…" error={create.error} what="Creating the user" />
      </form>
    </section>
  );
}

function RoleChoice({ user, onChanged }: { user: UserView; onChanged: (message: string) => void }) {
  const [role, setRole] = useState<UserRole>(user.role);
  const changeRole = useAction(useTRPC().online.admin.users.changeRole.mutationOptions());
  return (
    <>
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
          busy={changeRole.isPending}
          busyLabel="Saving…"
          aria-label={`Save the role of ${user.name}`}
          onClick={async () => {
            const updated = await changeRole.run({ userId: user.id, role });
            if (updated) onChanged(`${updated.name} is now ${ROLE_LABELS[updated.role]}; their sessions ended, they sign in again.`);
          }}
        >
          Save role
        </Button>
      </div>
      <ErrorMessage error={changeRole.error} what="Changing the role" />
    </>
  );
}

function UserActions({ user, onChanged }: { user: UserView; onChanged: (message: string) => void }) {
  const trpc = useTRPC();
  const [resetOpen, setResetOpen] = useState(false);
  const enable = useAction(trpc.online.admin.users.enable.mutationOptions());
  const disable = useAction(trpc.online.admin.users.disable.mutationOptions());
  const toggle = user.disabled ? enable : disable;
  return (
    <>
      <div className="button-row">
        <EnableButton
          enabled={!user.disabled}
          name={user.name}
          busy={toggle.isPending}
          onClick={async () => {
            const updated = await toggle.run({ userId: user.id });
            if (updated) onChanged(updated.disabled ? `${updated.name} is disabled and signed out everywhere.` : `${updated.name} can sign in again.`);
          }}
        />
        <Button aria-label={`Reset the password of ${user.name}`} onClick={() => setResetOpen(true)}>
          Reset password…
        </Button>
      </div>
      <ErrorMessage error={toggle.error} what={user.disabled ? "Enabling" : "Disabling"} />
      <ResetPassword user={user} open={resetOpen} onClose={() => setResetOpen(false)} onDone={onChanged} />
    </>
  );
}

function ResetPassword({ user, open, onClose, onDone }: { user: UserView; open: boolean; onClose: () => void; onDone: (message: string) => void }) {
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const reset = useAction(useTRPC().online.admin.users.resetPassword.mutationOptions());
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
          if (await reset.run({ userId: user.id, password })) {
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
          <Button type="submit" variant="primary" busy={reset.isPending} busyLabel="Saving…">
            Set password
          </Button>
          <Button onClick={onClose}>Cancel</Button>
        </div>
        <ErrorMessage error={reset.error} what="Resetting the password" />
      </form>
    </Dialog>
  );
}
