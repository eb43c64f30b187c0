// The dashboard's API types (web/src/api/schema.d.ts) are generated from the OpenAPI document: this
// fails when a route changed and `npm run web:schema` was not run (the committed file is stale).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { SCHEMA_FILE, schemaSource } from '../../scripts/web-schema.ts';

it('web/src/api/schema.d.ts matches the OpenAPI document (run `npm run web:schema` if not)', async () => {
  const expected = await schemaSource();
  const committed = readFileSync(SCHEMA_FILE, 'utf8');
  assert.ok(expected.includes('"/api/orgs/{org}/projects"'), 'the generated types cover the routes');
  assert.ok(committed === expected, 'web/src/api/schema.d.ts is stale: run `npm run web:schema` and commit it');
});
