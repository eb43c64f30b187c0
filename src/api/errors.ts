// One mapping from errors to HTTP responses: { error, message, issues? }. Domain code throws
// BerthError subclasses; request validation issues name the field (`body/name: ...`).
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BerthError, Invalid, type FieldIssue } from '../core/errors.ts';

export const errorBody = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

function validationIssues(err: FastifyError): FieldIssue[] {
  const where = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => ({
    path: [where, ...v.instancePath.split('/').filter(Boolean)].join('/'),
    message: v.message ?? 'invalid',
  }));
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const e = new Invalid(validationIssues(err));
      return reply.code(400).send({ error: e.code, message: e.message, issues: e.issues });
    }
    if (err instanceof Invalid) return reply.code(400).send({ error: err.code, message: err.message, issues: err.issues });
    if (err instanceof BerthError) {
      if (err.status >= 500) req.log.error({ err }, err.message);
      return reply.code(err.status).send({ error: err.code, message: err.message });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 429) return reply.code(429).send({ error: 'rate_limited', message: err.message });
    if (status < 500) return reply.code(status).send({ error: 'bad_request', message: err.message });
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal', message: 'internal error (see the server log)' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
}
