import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFullId, pickDeployment } from './deployment-ref.ts';

const recent = [{ id: '907c122c-eb2a-4d0e-bf0b-492939a237d6' }, { id: '907c9999-0000-4000-8000-000000000000' }, { id: 'aa11bb22-0000-4000-8000-000000000000' }];

describe('pickDeployment', () => {
  it('finds the one deployment a prefix names, in any case', () => {
    assert.equal(pickDeployment('907c122c', recent, 'web'), recent[0]!.id);
    assert.equal(pickDeployment('AA11', recent, 'web'), recent[2]!.id);
  });

  it('refuses an ambiguous prefix, an unknown one, and something that is no id', () => {
    assert.throws(() => pickDeployment('907c', recent, 'web'), /"907c" matches 2 deployments of web: give more of the id/);
    assert.throws(() => pickDeployment('beef', recent, 'web'), /no deployment of web has an id starting with "beef" \(looked in its last 200; see `berth deployments web`\)/);
    assert.throws(() => pickDeployment('907', recent, 'web'), /not a deployment id: give the id, or at least its first 4 characters/);
    assert.throws(() => pickDeployment('latest', recent, 'web'), /not a deployment id/);
  });
});

describe('isFullId', () => {
  it('knows a UUID', () => {
    assert.equal(isFullId('907c122c-eb2a-4d0e-bf0b-492939a237d6'), true);
    assert.equal(isFullId('907c122c'), false);
  });
});
