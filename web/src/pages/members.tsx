// Members of an organisation: list with roles; owners/admins add an existing user (by name or email),
// change a role, remove a member. An instance administrator can also create an account and add it
// at once ("invite"): the generated password is shown once.
import { useState } from 'react';
import { useParams } from 'wouter';
import { api } from '../api/client';
import { invalidate, useGet } from '../lib/data';
import { can, useOrgRole, type Role } from '../lib/org';
import { useMe } from '../lib/session';
import { ConfirmButton, FormError, SelectField, Submit, TextField, useAction } from '../ui/form';
import { LoadError, Loading, PageHeader } from '../ui/layout';
import { RelativeTime } from '../ui/time';
import { CopyButton } from '../ui/copy';
import { toast } from '../ui/toast';
import { TableHead } from '../ui/table';

const ROLES = [
  { value: 'member', label: 'Member' },
  { value: 'admin', label: 'Admin' },
  { value: 'owner', label: 'Owner' },
] as const;

export default function MembersPage() {
  const { org } = useParams<{ org: string }>();
  const me = useMe();
  const role = useOrgRole(org);
  const members = useGet('/api/orgs/{org}/members', { path: { org } });
  const manage = can.manageMembers(role);
  const roleOptions = ROLES.filter((r) => can.assignRole(role, undefined, r.value));
  const refresh = () => invalidate(`/api/orgs/${org}/members`);

  const [add, setAdd] = useState<{ user: string; role: Role }>({ user: '', role: 'member' });
  const addMember = useAction((body: typeof add) => api.post('/api/orgs/{org}/members', { path: { org }, body }), {
    success: (m) => `${m.name} added as ${m.role}`,
    onDone: () => {
      setAdd({ user: '', role: 'member' });
      refresh();
    },
  });

  const [invite, setInvite] = useState<{ name: string; email: string; role: Role }>({ name: '', email: '', role: 'member' });
  const [created, setCreated] = useState<{ name: string; password: string } | null>(null);
  const createUser = useAction(
    async (v: typeof invite) => {
      const r = await api.post('/api/users', { body: { name: v.name, email: v.email } });
      await api.post('/api/orgs/{org}/members', { path: { org }, body: { user: v.name, role: v.role } });
      return r;
    },
    {
      success: (r) => `Account ${r.user.name} created and added`,
      onDone: (r) => {
        setCreated({ name: r.user.name, password: r.password ?? '' });
        setInvite({ name: '', email: '', role: 'member' });
        refresh();
      },
    },
  );

  const changeRole = useAction(
    (user: string, to: Role) => api.patch('/api/orgs/{org}/members/{user}', { path: { org, user }, body: { role: to } }),
    { toastErrors: true, onDone: refresh },
  );
  const removeMember = useAction((user: string) => api.delete('/api/orgs/{org}/members/{user}', { path: { org, user } }), {
    toastErrors: true,
    success: 'Member removed',
    onDone: refresh,
  });

  return (
    <div className="stack">
      <PageHeader title="Members" crumbs={[{ href: `/orgs/${org}`, label: org }]} />
      <section aria-labelledby="member-list" className="stack">
        <h2 id="member-list" className="visually-hidden">
          Members of {org}
        </h2>
        {members.error ? (
          <LoadError error={members.error} retry={members.reload} />
        ) : !members.data ? (
          <Loading />
        ) : (
          <div className="table-wrap">
            <table className="table">
              <TableHead cols={['Name', 'Email', 'Role', 'Member since']} actions />
              <tbody>
                {members.data.map((m) => {
                  const self = m.userId === me.data?.user.id;
                  const editable = manage && !self && can.assignRole(role, m.role, undefined);
                  return (
                    <tr key={m.userId}>
                      <td>
                        {m.name}
                        {self && <span className="muted"> (you)</span>}
                      </td>
                      <td className="muted">{m.email}</td>
                      <td>
                        {editable ? (
                          <>
                            <label className="visually-hidden" htmlFor={`role-${m.userId}`}>
                              Role of {m.name}
                            </label>
                            <select
                              id={`role-${m.userId}`}
                              value={m.role}
                              disabled={changeRole.pending}
                              onChange={async (e) => {
                                const to = e.target.value as Role;
                                if (await changeRole.run(m.name, to)) toast.success(`${m.name} is now ${to}`);
                              }}
                            >
                              {ROLES.filter((r) => r.value === m.role || can.assignRole(role, m.role, r.value)).map((r) => (
                                <option key={r.value} value={r.value}>
                                  {r.label}
                                </option>
                              ))}
                            </select>
                          </>
                        ) : (
                          <span className="badge">{m.role}</span>
                        )}
                      </td>
                      <td>
                        <RelativeTime value={m.since} />
                      </td>
                      <td className="actions">
                        {editable && <ConfirmButton label="Remove" question={`Remove ${m.name} from ${org}?`} pending={removeMember.pending} onConfirm={() => void removeMember.run(m.name)} />}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {manage && (
        <section className="card stack" aria-labelledby="add-member">
          <h2 id="add-member">Add a member</h2>
          <p className="muted">Add someone who already has an account on this Berth installation.</p>
          <form className="form-grid" onSubmit={addMember.submit(() => add)} noValidate>
            <TextField label="User name or email" name="user" value={add.user} onChange={(user) => setAdd((o) => ({ ...o, user }))} error={addMember.fieldError('user')} required />
            <SelectField label="Role" name="role" value={add.role} onChange={(r) => setAdd((o) => ({ ...o, role: r }))} options={roleOptions} error={addMember.fieldError('role')} />
            <Submit pending={addMember.pending}>Add member</Submit>
          </form>
          <FormError action={addMember} fields={['user', 'role']} />
        </section>
      )}

      {manage && me.data?.user.isInstanceAdmin && (
        <section className="card stack" aria-labelledby="invite">
          <h2 id="invite">Invite someone new</h2>
          <p className="muted">Creates an account with a generated password (shown once) and adds it to {org}.</p>
          <form className="form-grid" onSubmit={createUser.submit(() => invite)} noValidate>
            <TextField label="New user name" name="name" value={invite.name} onChange={(name) => setInvite((o) => ({ ...o, name }))} error={createUser.fieldError('name')} required />
            <TextField label="New user email" name="email" type="email" value={invite.email} onChange={(email) => setInvite((o) => ({ ...o, email }))} error={createUser.fieldError('email')} required />
            <SelectField label="Their role" name="role" value={invite.role} onChange={(r) => setInvite((o) => ({ ...o, role: r }))} options={roleOptions} error={createUser.fieldError('role')} />
            <Submit pending={createUser.pending}>Create and add</Submit>
          </form>
          <FormError action={createUser} fields={['name', 'email', 'role']} />
          {created && (
            <div className="secret-once" role="status">
              <strong>Password for {created.name} — shown only now. Send it to them securely; they sign in with it.</strong>
              <code data-testid="new-user-password">{created.password}</code>
              <div className="row">
                <CopyButton text={created.password} />
                <button type="button" className="button subtle" onClick={() => setCreated(null)}>
                  Done
                </button>
              </div>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
