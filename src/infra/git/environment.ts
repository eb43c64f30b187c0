// What every git child process gets besides its argv: a scrubbed environment built from nothing, the
// `-c` settings that pin transports and switch off hooks and helpers, and the ssh command line.
// Pure functions, no I/O. Must never pass an inherited GIT_* variable, the host's ssh agent, or any
// path into GIT_SSH_COMMAND that Berth does not control (git runs that variable through a shell).
import type { RepositoryKind } from './validate.ts';

/** Variables passed through from Berth's own environment (PATH to find git and ssh; outbound proxies). */
const PASS_THROUGH = ['PATH', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
/** Paths put into GIT_SSH_COMMAND need no quoting at all, so a shell can never read them differently. */
const SHELL_INERT = /^[A-Za-z0-9._/+=,@:-]+$/;

export interface SshCommandOptions {
  knownHostsFile: string;
  /** The deploy key's 0600 file; without one ssh offers no key at all. */
  identityFile?: string;
  connectTimeoutSeconds?: number;
}

export interface GitEnvironmentOptions extends SshCommandOptions {
  /** A private HOME (git and ssh must not read the host user's configuration). */
  home: string;
  /** Where PATH and proxy settings come from; default `process.env`. */
  parent?: NodeJS.ProcessEnv;
}

function inert(path: string): string {
  if (!SHELL_INERT.test(path)) throw new Error(`path not usable in GIT_SSH_COMMAND: ${JSON.stringify(path)}`);
  return path;
}

/** `ssh …` for GIT_SSH_COMMAND: no config file, no agent, no prompts, this service's known_hosts. */
export function sshCommand(options: SshCommandOptions): string {
  const identity = options.identityFile ? ['-i', inert(options.identityFile)] : ['-o', 'IdentityFile=/dev/null'];
  return [
    'ssh', '-F', '/dev/null',
    ...identity,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=accept-new',
    '-o', `UserKnownHostsFile=${inert(options.knownHostsFile)}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', `ConnectTimeout=${options.connectTimeoutSeconds ?? 20}`,
    '-o', 'ForwardAgent=no',
    '-o', 'ClearAllForwardings=yes',
    '-o', 'PermitLocalCommand=no',
  ].join(' ');
}

/** The complete environment of a git child process. */
export function gitEnvironment(options: GitEnvironmentOptions): Record<string, string> {
  const parent = options.parent ?? process.env;
  const env: Record<string, string> = {};
  for (const name of PASS_THROUGH) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  return {
    ...env,
    HOME: options.home,
    XDG_CONFIG_HOME: `${options.home}/.config`,
    LC_ALL: 'C',
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ASKPASS: '',
    SSH_ASKPASS_REQUIRE: 'never',
    GIT_SSH_COMMAND: sshCommand(options),
    GIT_SSH_VARIANT: 'ssh',
    GIT_PROTOCOL_FROM_USER: '0',
  };
}

/**
 * `-c` settings for every git call: only the transports this repository needs (file only for a
 * local path), and nothing that runs code from the repository or from the host (hooks, fsmonitor,
 * credential helpers, submodules).
 */
export function gitConfigArgs(kind: RepositoryKind): string[] {
  const settings = [
    'protocol.allow=never',
    'protocol.https.allow=always',
    'protocol.ssh.allow=always',
    ...(kind === 'local' ? ['protocol.file.allow=always'] : []),
    'core.hooksPath=/dev/null',
    'core.fsmonitor=false',
    'core.askPass=',
    'credential.helper=',
    'submodule.recurse=false',
    'fetch.recurseSubmodules=false',
    'gc.autoDetach=false',
    'advice.detachedHead=false',
    'init.defaultBranch=berth',
  ];
  return settings.flatMap((setting) => ['-c', setting]);
}
