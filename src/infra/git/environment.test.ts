// The environment and settings every git child process gets: exact, so a change is a reviewed diff.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gitConfigArgs, gitEnvironment, sshCommand } from './environment.ts';

describe('gitEnvironment', () => {
  it('is built from nothing: PATH and proxies pass, GIT_*, the ssh agent and the rest do not', () => {
    const env = gitEnvironment({
      home: '/data/git/svc/home',
      knownHostsFile: '/data/git/svc/ssh/known_hosts',
      parent: { PATH: '/usr/bin', HTTPS_PROXY: 'http://proxy:3128', GIT_DIR: '/etc', GIT_SSH_COMMAND: 'evil', SSH_AUTH_SOCK: '/tmp/agent', SECRET: 'x' },
    });
    assert.deepEqual(env, {
      PATH: '/usr/bin',
      HTTPS_PROXY: 'http://proxy:3128',
      HOME: '/data/git/svc/home',
      XDG_CONFIG_HOME: '/data/git/svc/home/.config',
      LC_ALL: 'C',
      LANG: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ASKPASS: '',
      SSH_ASKPASS_REQUIRE: 'never',
      GIT_SSH_COMMAND: sshCommand({ knownHostsFile: '/data/git/svc/ssh/known_hosts' }),
      GIT_SSH_VARIANT: 'ssh',
      GIT_PROTOCOL_FROM_USER: '0',
    });
  });
});

describe('sshCommand', () => {
  it('names only Berth-controlled paths, with the key when there is one', () => {
    assert.equal(
      sshCommand({ knownHostsFile: '/d/ssh/known_hosts', identityFile: '/d/ssh/key-1/id' }),
      'ssh -F /dev/null -i /d/ssh/key-1/id -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes ' +
        '-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/d/ssh/known_hosts -o GlobalKnownHostsFile=/dev/null ' +
        '-o ConnectTimeout=20 -o ForwardAgent=no -o ClearAllForwardings=yes -o PermitLocalCommand=no',
    );
  });

  it('refuses a path a shell would read differently', () => {
    assert.throws(() => sshCommand({ knownHostsFile: '/d/known hosts' }));
    assert.throws(() => sshCommand({ knownHostsFile: '/d/k', identityFile: "/d/$(id)'" }));
  });
});

describe('gitConfigArgs', () => {
  it('allows file:// only for a local repository', () => {
    const remote = gitConfigArgs('https').join(' ');
    assert.match(remote, /-c protocol\.allow=never -c protocol\.https\.allow=always -c protocol\.ssh\.allow=always -c core\.hooksPath=\/dev\/null/);
    assert.doesNotMatch(remote, /protocol\.file/);
    assert.match(gitConfigArgs('local').join(' '), /-c protocol\.file\.allow=always/);
  });
});
