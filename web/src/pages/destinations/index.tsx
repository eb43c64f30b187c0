// The organisation's backup destinations (S3-compatible buckets): list, add, test, remove. The API
// stores a destination only after a probe object was written, read back and deleted, so wrong keys,
// an unreachable endpoint or a missing bucket come back as a 400 naming the field — shown next to it,
// with nothing stored. The secret key is a password input and is never shown again (the API returns
// only the last four characters of the access key id).
import { useState } from 'react';
import { api, type Response } from '../../api/client';
import { invalidate, useGet } from '../../lib/data';
import { ConfirmButton, FormError, Submit, TextField, useAction } from '../../ui/form';
import { Empty, LoadError, Loading, PageHeader } from '../../ui/layout';
import { RelativeTime } from '../../ui/time';
import { useParams } from 'wouter';
import '../services/services.css';
import './destinations.css';
import { TableHead } from '../../ui/table';

type Destination = Response<'/api/orgs/{org}/backup-destinations'>[number];

export default function DestinationsPage() {
  const { org } = useParams<{ org: string }>();
  const list = useGet('/api/orgs/{org}/backup-destinations', { path: { org } });
  return (
    <div className="stack">
      <PageHeader title="Backup destinations" crumbs={[{ href: `/orgs/${org}`, label: 'Projects' }]} />
      <p className="muted">S3-compatible buckets (AWS S3, Backblaze B2, Cloudflare R2, MinIO …) that the databases of {org} back up to.</p>
      <section className="card stack" aria-labelledby="dest-list-title">
        <h2 id="dest-list-title">Destinations</h2>
        {list.error ? (
          <LoadError error={list.error} retry={list.reload} />
        ) : !list.data ? (
          <Loading label="Loading destinations" />
        ) : list.data.length === 0 ? (
          <Empty>No destinations yet: add one below.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="destination-list">
              <TableHead cols={['Name', 'Bucket', 'Endpoint', 'Access key', 'Added']} actions />
              <tbody>
                {list.data.map((d) => (
                  <DestinationRow key={d.id} org={org} d={d} onChanged={list.reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <AddDestination org={org} onDone={list.reload} />
    </div>
  );
}

function DestinationRow({ org, d, onChanged }: { org: string; d: Destination; onChanged: () => void }) {
  const path = { org, destination: d.name };
  const test = useAction(() => api.post('/api/orgs/{org}/backup-destinations/{destination}/test', { path }), {
    success: (r) => `${d.name} works: write ${r.writeMs} ms, read ${r.readMs} ms, delete ${r.deleteMs} ms`,
    toastErrors: true,
  });
  const remove = useAction(() => api.delete('/api/orgs/{org}/backup-destinations/{destination}', { path }), {
    success: `Destination ${d.name} removed`,
    toastErrors: true,
    onDone: onChanged,
  });
  return (
    <tr data-destination={d.name}>
      <td>{d.name}</td>
      <td className="mono">
        {d.bucket}
        {d.prefix ? `/${d.prefix}` : ''}
      </td>
      <td className="mono">
        {d.endpoint ?? 'AWS S3'} <span className="muted small">{d.region}</span>
      </td>
      <td className="mono">{d.accessKeyHint}</td>
      <td>
        <RelativeTime value={d.createdAt} />
      </td>
      <td className="actions">
        <div className="row wrap">
          <button type="button" className="button" onClick={() => void test.run()} disabled={test.pending} aria-busy={test.pending || undefined}>
            Test connection
          </button>
          <ConfirmButton label="Remove" question={`Remove ${d.name}?`} onConfirm={() => void remove.run()} pending={remove.pending} />
        </div>
      </td>
    </tr>
  );
}

function AddDestination({ org, onDone }: { org: string; onDone: () => void }) {
  const [name, setName] = useState('');
  const [endpoint, setEndpoint] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  const [forcePathStyle, setForcePathStyle] = useState(false);
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const body = () => ({
    name: name.trim(),
    endpoint: endpoint.trim() || null,
    region: region.trim(),
    bucket: bucket.trim(),
    prefix: prefix.trim(),
    forcePathStyle,
    accessKeyId: accessKeyId.trim(),
    secretAccessKey,
  });
  const add = useAction(() => api.post('/api/orgs/{org}/backup-destinations', { path: { org }, body: body() }), {
    success: (d) => `Destination ${d.name} added`,
    onDone: () => {
      setName('');
      setSecretAccessKey('');
      invalidate(`/api/orgs/${org}/backup-destinations`);
      onDone();
    },
  });
  const test = useAction(() => api.post('/api/orgs/{org}/backup-destinations/test', { path: { org }, body: body() }), {
    success: (r) => `The connection works: write ${r.writeMs} ms, read ${r.readMs} ms, delete ${r.deleteMs} ms`,
  });
  // One error area: whichever of the two actions ran last.
  const shown = test.error && !add.error ? test : add;
  const fields = ['name', 'endpoint', 'region', 'bucket', 'prefix', 'forcePathStyle', 'accessKeyId', 'secretAccessKey'];
  return (
    <form
      className="card stack"
      aria-label="Add a destination"
      noValidate
      onSubmit={(e) => {
        test.reset();
        add.submit(() => undefined)(e);
      }}
    >
      <h2>Add a destination</h2>
      <p className="muted">Saved only after a test object was written, read back and deleted with these keys.</p>
      <div className="form-grid">
        <TextField label="Name" name="name" value={name} onChange={setName} error={shown.fieldError('name')} autoComplete="off" spellCheck={false} hint="Lowercase letters, digits and -" />
        <TextField label="Endpoint" name="endpoint" type="url" value={endpoint} onChange={setEndpoint} error={shown.fieldError('endpoint')} spellCheck={false} placeholder="https://s3.eu-central-003.backblazeb2.com" hint="Empty: AWS S3" />
        <TextField label="Region" name="region" value={region} onChange={setRegion} error={shown.fieldError('region')} spellCheck={false} />
        <TextField label="Bucket" name="bucket" value={bucket} onChange={setBucket} error={shown.fieldError('bucket')} spellCheck={false} />
        <TextField label="Prefix" name="prefix" value={prefix} onChange={setPrefix} error={shown.fieldError('prefix')} spellCheck={false} hint="Optional folder inside the bucket, e.g. berth/" />
        <TextField label="Access key ID" name="accessKeyId" value={accessKeyId} onChange={setAccessKeyId} error={shown.fieldError('accessKeyId')} autoComplete="off" spellCheck={false} />
        <TextField label="Secret access key" name="secretAccessKey" type="password" value={secretAccessKey} onChange={setSecretAccessKey} error={shown.fieldError('secretAccessKey')} autoComplete="new-password" />
      </div>
      <label className="checkbox checkbox-row">
        <input type="checkbox" name="forcePathStyle" checked={forcePathStyle} onChange={(e) => setForcePathStyle(e.target.checked)} /> Path-style URLs (MinIO and most self-hosted servers)
      </label>
      <FormError action={shown} fields={fields} />
      <div className="row wrap">
        <Submit pending={add.pending}>Add destination</Submit>
        <button
          type="button"
          className="button"
          disabled={test.pending}
          aria-busy={test.pending || undefined}
          onClick={() => {
            add.reset();
            void test.run();
          }}
        >
          Test connection
        </button>
      </div>
    </form>
  );
}
