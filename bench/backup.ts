// Backup figures (issue "Databases … with backups"): a ~1 GB PostgreSQL database backed up through
// Berth (docker exec pg_dump → gzip → multipart upload to S3 through the AWS SDK, then verified by a
// restore into a throwaway container) against `pg_dump | gzip` into a local file in the same run (the
// same container, `docker exec` through the CLI, gzip -6); their throughput ratio; the verification's
// duration; and the RSS of the process running the backup, sampled every 100 ms (streaming: it must
// stay flat, whatever the database's size). Needs the test bed (scripts/testbed/up.sh: Docker,
// berth/postgres:15, s3rver). Writes bench/results/backup.json. BENCH_BACKUP_ROWS scales the database.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { backupsModule, type DatabaseSubject } from '../src/core/backups/index.ts';
import { startDatabase } from '../src/core/backups/engine-fixtures.test-support.ts';
import { meter, uploadCompressed } from '../src/core/backups/stream.ts';
import { connectDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { MemoryBus } from '../src/infra/bus/memory.ts';
import { SecretBox } from '../src/infra/crypto/secretbox.ts';
import { ContainerGateway } from '../src/infra/docker/containers.ts';
import { EmbeddedPostgres } from '../src/infra/postgres/embedded.ts';
import { JobQueue, JobRegistry } from '../src/jobs/index.ts';
import { testBucket } from '../test/support/s3.ts';

const MiB = 1024 * 1024;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

interface RssPhase {
  peakMiB: number;
  samples: number;
  /** Peak RSS in each quarter of the phase: flat when streaming, rising when something accumulates. */
  quarterPeaksMiB: number[];
}

/** Samples this process's RSS every `ms` until stopped. */
function rssSampler(ms = 100): { stop(): RssPhase } {
  const series: number[] = [process.memoryUsage.rss()];
  const timer = setInterval(() => series.push(process.memoryUsage.rss()), ms);
  return {
    stop() {
      clearInterval(timer);
      series.push(process.memoryUsage.rss());
      const q = Math.ceil(series.length / 4);
      const quarterPeaksMiB = [0, 1, 2, 3].map((i) => round(Math.max(...series.slice(i * q, (i + 1) * q), 0) / MiB));
      return { peakMiB: round(Math.max(...series) / MiB), samples: series.length, quarterPeaksMiB };
    },
  };
}

async function exec(containers: ContainerGateway, db: DatabaseSubject, sql: string): Promise<string> {
  const r = await containers.exec(db.containerId, { argv: ['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], env: db.engine.execEnv(db.credentials) });
  if (r.exitCode !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

/** `docker exec <db> pg_dump | gzip -6 > file` — argv only; the password travels in the environment. */
async function baselineDump(db: DatabaseSubject, file: string): Promise<number> {
  const env = db.engine.execEnv(db.credentials);
  const t0 = performance.now();
  const dump = spawn('docker', ['exec', ...Object.keys(env).flatMap((k) => ['-e', k]), db.containerId, ...db.engine.dump(db.credentials)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const gzip = spawn('gzip', ['-6'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = (p: ReturnType<typeof spawn>, name: string) =>
    new Promise<void>((resolve, reject) => p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited ${code}`)))));
  await Promise.all([pipeline(dump.stdout!, gzip.stdin!), pipeline(gzip.stdout!, createWriteStream(file)), exited(dump, 'docker exec pg_dump'), exited(gzip, 'gzip')]);
  return (performance.now() - t0) / 1000;
}

export async function backupBench(): Promise<void> {
  const rows = Number(process.env.BENCH_BACKUP_ROWS ?? 5_000_000);
  const loadAtStart = round(loadavg()[0]!, 2);
  const run = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-backup-'));
  chmodSync(dir, 0o711);
  const pg = new EmbeddedPostgres({ dataDir: join(dir, 'pg'), port: 5900 + Math.floor(Math.random() * 100) });
  const database = connectDatabase(await pg.start());
  await migrate(database.pool);
  const bus = new MemoryBus();
  const containers = new ContainerGateway({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  const bucket = await testBucket();
  const labels = { 'berth.bench': `backup-${run}` };
  let subject: DatabaseSubject | undefined;
  try {
    const { rows: org } = await database.pool.query<{ id: string }>("INSERT INTO organizations (name) VALUES ('bench') RETURNING id");
    const orgId = org[0]!.id;
    const { rows: svc } = await database.pool.query<{ id: string }>(
      `WITH p AS (INSERT INTO projects (org_id, name) VALUES ($1, 'bench') RETURNING id),
            e AS (INSERT INTO environments (project_id, name, kind) SELECT id, 'production', 'production' FROM p RETURNING id)
       INSERT INTO services (environment_id, name, kind, spec) SELECT id, 'bigdb', 'database', '{}' FROM e RETURNING id`,
      [orgId],
    );
    const service = { id: svc[0]!.id, orgId, kind: 'database' };
    subject = await startDatabase(containers, 'postgres', service.id, labels);
    const db = subject;

    console.log(`# backup bench: filling PostgreSQL with ${rows} rows…`);
    const tFill = performance.now();
    await exec(containers, db, `CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS a, repeat(md5((g * 13)::text), 3) AS b, now() - (g || ' seconds')::interval AS at FROM generate_series(1, ${rows}) g`);
    await exec(containers, db, 'CREATE TABLE small (id int PRIMARY KEY, name text); INSERT INTO small SELECT g, md5(g::text) FROM generate_series(1, 10000) g');
    const databaseBytes = Number(await exec(containers, db, 'SELECT pg_database_size(current_database())'));
    console.log(`# filled ${round(databaseBytes / MiB)} MiB in ${round((performance.now() - tFill) / 1000)} s`);

    const baselineFile = join(dir, 'baseline.sql.gz');
    const baselineSeconds = await baselineDump(db, baselineFile);
    const baselineBytes = statSync(baselineFile).size;
    rmSync(baselineFile);
    console.log(`# pg_dump | gzip > file: ${round(baselineSeconds)} s, ${round(baselineBytes / MiB)} MiB`);

    // Berth's own streaming path (Engine API exec → demultiplex → zlib gzip 6 → SHA-256) into /dev/null:
    // what the pipeline costs without the S3 server's share.
    const tPipe = performance.now();
    const { stdout, done } = await containers.execStream(db.containerId, { argv: db.engine.dump(db.credentials), env: db.engine.execEnv(db.credentials) });
    const m = meter();
    await pipeline(stdout, createGzip({ level: 6 }), m, createWriteStream('/dev/null'));
    if ((await done).exitCode !== 0) throw new Error('pg_dump failed');
    const pipelineSeconds = (performance.now() - tPipe) / 1000;
    console.log(`# Berth stream → /dev/null: ${round(pipelineSeconds)} s, ${round(m.digest().sizeBytes / MiB)} MiB`);

    const mod = backupsModule({
      db: database.db,
      pool: database.pool,
      bus,
      secrets: new SecretBox(randomBytes(32)),
      containers,
      databases: { resolve: async () => db },
      toolsImage: process.env.BERTH_TEST_IMAGE_BASE ?? 'berth/debian:bookworm',
    });
    const backups = mod.attach(new JobQueue({ pool: database.pool, bus, registry: new JobRegistry(mod.jobTypes) }));
    await mod.destinations.create(orgId, { name: 'bench', ...bucket.location('bench/'), endpoint: bucket.location().endpoint ?? null });
    const queued = await backups.request(service, { destination: 'bench' });

    // The upload phase ends when the row turns `verifying`.
    let uploadedAt = 0;
    await bus.subscribe('backup.state', (p) => {
      if ((p as { status: string }).status === 'verifying' && !uploadedAt) uploadedAt = performance.now();
    });
    const rssBeforeMiB = round(process.memoryUsage.rss() / MiB);
    const sampler = rssSampler();
    const t0 = performance.now();
    let phase = sampler;
    let uploadPeak: RssPhase | undefined;
    let dumpStartedAt = 0;
    const result = await mod.runner.run(queued.id, {
      signal: new AbortController().signal,
      log: async (line) => {
        if (line.startsWith('dumping')) dumpStartedAt = performance.now();
        if (line.startsWith('uploaded')) {
          uploadPeak = phase.stop();
          phase = rssSampler();
        }
        console.log(`#   ${line}`);
      },
    });
    const verifyPeak = phase.stop();
    const totalSeconds = (performance.now() - t0) / 1000;
    const row = await backups.get(service.id, queued.id);
    const berthSeconds = ((uploadedAt || performance.now()) - t0) / 1000;
    if (result.status !== 'succeeded') throw new Error(`the backup did not succeed: ${row.error}`);

    // Flatness beyond one database: 1 GiB of incompressible bytes through the same gzip → SHA-256 →
    // multipart path; RSS per quarter must not climb with the bytes sent.
    const syntheticMiB = Number(process.env.BENCH_BACKUP_SYNTHETIC_MIB ?? 1024);
    let sent = 0;
    const source = new Readable({
      read() {
        this.push(sent++ >= syntheticMiB ? null : randomBytes(MiB));
      },
    });
    const synthStorage = await mod.destinations.storage((await mod.destinations.row(orgId, 'bench')).id);
    const synthSampler = rssSampler();
    const tSynth = performance.now();
    const synthetic = await uploadCompressed(source, synthStorage, 'synthetic.bin.gz');
    const synthRss = synthSampler.stop();
    const syntheticSeconds = (performance.now() - tSynth) / 1000;
    synthStorage.close();

    const figures = {
      rows,
      databaseMiB: round(databaseBytes / MiB),
      baseline: { what: 'docker exec pg_dump | gzip -6 > local file', seconds: round(baselineSeconds, 2), gzMiB: round(baselineBytes / MiB), MiBps: round(databaseBytes / MiB / baselineSeconds) },
      berth: {
        what: 'Berth: Engine API exec pg_dump → zlib gzip 6 → multipart upload (8 MiB parts, 2 in flight) to s3rver through the AWS SDK, SHA-256 on the way',
        seconds: round(berthSeconds, 2),
        dumpAndUploadSeconds: round(((uploadedAt || performance.now()) - dumpStartedAt) / 1000, 2),
        objectMiB: round((row.sizeBytes ?? 0) / MiB),
        MiBps: round(databaseBytes / MiB / berthSeconds),
      },
      berthStreamWithoutUpload: { what: 'the same exec → gzip → SHA-256 stream into /dev/null (no S3 server)', seconds: round(pipelineSeconds, 2), MiBps: round(databaseBytes / MiB / pipelineSeconds) },
      throughputRatio: round(baselineSeconds / berthSeconds, 2),
      throughputRatioWithoutUpload: round(baselineSeconds / pipelineSeconds, 2),
      verification: { seconds: round((row.verificationMs ?? 0) / 1000, 2), status: row.verificationStatus, objects: (row.verificationReport as { objects: unknown[] } | null)?.objects ?? [] },
      totalSeconds: round(totalSeconds, 2),
      controlPlaneRss: {
        what: 'RSS of the process running the backup job, sampled every 100 ms',
        beforeMiB: rssBeforeMiB,
        peakDuringDumpAndUploadMiB: uploadPeak?.peakMiB ?? null,
        dumpAndUploadQuarterPeaksMiB: uploadPeak?.quarterPeaksMiB ?? null,
        peakDuringVerificationMiB: verifyPeak.peakMiB,
        growthDuringUploadMiB: uploadPeak ? round(uploadPeak.peakMiB - rssBeforeMiB) : null,
        samples: (uploadPeak?.samples ?? 0) + verifyPeak.samples,
      },
      syntheticUpload: {
        what: `${syntheticMiB} MiB of random bytes through the same gzip → SHA-256 → multipart upload path`,
        seconds: round(syntheticSeconds, 2),
        objectMiB: round(synthetic.sizeBytes / MiB),
        rssPeakMiB: synthRss.peakMiB,
        rssQuarterPeaksMiB: synthRss.quarterPeaksMiB,
      },
      machine: { cpus: cpus().length, loadAverage1m: { atStart: loadAtStart, atEnd: round(loadavg()[0]!, 2) }, note: 'the machine is shared with other work: the ratio compares runs under the same load' },
      measuredAt: new Date().toISOString(),
    };
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('./results/backup.json', import.meta.url), JSON.stringify(figures, null, 2) + '\n');
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    for (const c of await containers.listContainers(labels)) await containers.removeContainer(c.id).catch(() => undefined);
    await bucket.drop().catch(() => undefined);
    await bus.close();
    await database.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
