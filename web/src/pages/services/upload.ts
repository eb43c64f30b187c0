// Uploads a source archive as the raw request body (the API streams it to disk, size-capped) and starts
// its deployment; errors come back as ApiError like every other call.
import { ApiError, csrfToken } from '../../api/client';

/** POST …/archive with the file as the body; resolves to the queued deployment. */
export async function uploadArchive(url: string, file: File): Promise<{ id: string }> {
  const headers: Record<string, string> = { 'content-type': file.name.endsWith('.tar') ? 'application/x-tar' : 'application/gzip' };
  const csrf = csrfToken();
  if (csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(url, { method: 'POST', headers, body: file, credentials: 'same-origin' });
  const body = (await res.json().catch(() => ({}))) as { id?: string; error?: string; message?: string; issues?: [] };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `http_${res.status}`, body.message ?? `${res.status} ${res.statusText}`, body.issues ?? []);
  return body as { id: string };
}
