// A real local git repository for deploy tests, made from test/fixtures/version-app. Commits via git's
// own CLI (argv arrays), with a fixed identity.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FIXTURE = new URL('../fixtures/version-app/', import.meta.url).pathname;

export class TestRepo {
  readonly dir: string;
  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(): Promise<TestRepo> {
    const dir = mkdtempSync(join(tmpdir(), 'berth-repo-'));
    cpSync(FIXTURE, dir, { recursive: true });
    const repo = new TestRepo(dir);
    await repo.git('init', '--quiet', '--initial-branch=main');
    await repo.commit('v1', 'v1');
    return repo;
  }

  async git(...args: string[]): Promise<string> {
    const { stdout } = await run('git', ['-c', 'user.name=Berth Test', '-c', 'user.email=test@berth.invalid', ...args], { cwd: this.dir });
    return stdout.trim();
  }

  /** Writes VERSION (and optional extra files), commits everything, returns the SHA. */
  async commit(version: string, message: string, files: Record<string, string> = {}): Promise<string> {
    writeFileSync(join(this.dir, 'VERSION'), version + '\n');
    for (const [name, content] of Object.entries(files)) writeFileSync(join(this.dir, name), content);
    await this.git('add', '--all');
    await this.git('commit', '--quiet', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
