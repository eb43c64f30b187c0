import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { chooseOrg, CliContext } from './context.ts';
import { EXIT } from './errors.ts';

const sink = { write: () => true };

describe('chooseOrg', () => {
  it("picks the user's only organisation, and asks to choose otherwise", () => {
    assert.equal(chooseOrg([{ name: 'acme' }]), 'acme');
    assert.throws(() => chooseOrg([{ name: 'acme' }, { name: 'beta' }]), /several organisations \(acme, beta\): choose one with --org <name> or BERTH_ORG/);
    assert.throws(() => chooseOrg([]), /no organisation/);
  });
});

describe('CliContext', () => {
  it('refuses a deletion without --yes when nobody can be asked', async () => {
    const ctx = new CliContext({ stdout: sink, stderr: sink, env: {} }, {});
    await assert.rejects(ctx.confirm({ what: 'project', name: 'shop' }), /refusing to delete project "shop" without confirmation: pass --yes/);
    await ctx.confirm({ what: 'project', name: 'shop', yes: true });
  });

  it('reads stdin without its final newline', async () => {
    const ctx = new CliContext({ stdout: sink, stderr: sink, env: {}, stdin: Readable.from(['berth_', 'key\n']) }, {});
    assert.equal(await ctx.readStdin('API key'), 'berth_key');
  });

  it('asks to log in when there are no credentials', () => {
    const ctx = new CliContext({ stdout: sink, stderr: sink, env: { XDG_CONFIG_HOME: '/nonexistent-berth-test' } }, {});
    assert.throws(() => ctx.client(), (err: Error & { exitCode?: number }) => /not logged in/.test(err.message) && err.exitCode === EXIT.unauthenticated);
  });
});

describe('CliContext.confirm in a terminal', () => {
  const tty = (answer: string) => Object.assign(Readable.from([answer]), { isTTY: true });

  it('goes ahead when the user types the name', async () => {
    const prompts: string[] = [];
    const ctx = new CliContext({ stdout: sink, stderr: { write: (s: string) => prompts.push(s) }, env: {}, stdin: tty('shop\n') }, {});
    await ctx.confirm({ what: 'project', name: 'shop' });
    assert.match(prompts.join(''), /Delete project "shop"\? Type its name to confirm:/);
  });

  it('aborts on anything else', async () => {
    const ctx = new CliContext({ stdout: sink, stderr: sink, env: {}, stdin: tty('y\n') }, {});
    await assert.rejects(ctx.confirm({ what: 'project', name: 'shop' }), /aborted: the name did not match/);
  });
});
