// Stopping a service for a consistent volume copy: its Swarm services (found by Berth's service label)
// are scaled to zero, and the returned function scales them back to what they were. The job queue runs
// one job per service at a time, so nothing else changes the service meanwhile.
// Must never touch a Swarm service without Berth's labels (the gateway refuses), or leave one at zero
// when the copy failed (callers restart in finally).
import { setTimeout as delay } from 'node:timers/promises';
import type { DockerGateway, ServiceSpec } from '../../infra/docker/index.ts';
import type { ServiceControl } from './subjects.ts';

const LIVE = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'starting', 'running']);

function withReplicas(spec: unknown, replicas: number): ServiceSpec {
  const s = spec as ServiceSpec & { Mode?: { Replicated?: { Replicas?: number } } };
  return { ...s, Mode: { Replicated: { Replicas: replicas } } } as ServiceSpec;
}

export function swarmServiceControl(docker: DockerGateway, opts: { stopTimeoutMs?: number } = {}): ServiceControl {
  return {
    async stop(serviceId, signal) {
      const running = (await docker.listServices({ labels: { 'berth.service': serviceId } })).filter((s) => typeof s.replicas === 'number' && s.replicas > 0);
      const restart = async () => {
        for (const s of running) await docker.ensureService(withReplicas(s.spec, s.replicas as number));
      };
      try {
        for (const s of running) await docker.ensureService(withReplicas(s.spec, 0));
        const deadline = Date.now() + (opts.stopTimeoutMs ?? 120_000);
        for (const s of running) {
          for (;;) {
            signal?.throwIfAborted();
            const tasks = await docker.serviceTasks(s.name);
            if (!tasks.some((t) => LIVE.has(t.state))) break;
            if (Date.now() > deadline) throw new Error(`service ${s.name} did not stop within ${(opts.stopTimeoutMs ?? 120_000) / 1000} s`);
            await delay(250);
          }
        }
      } catch (err) {
        await restart().catch(() => undefined);
        throw err;
      }
      return restart;
    },
  };
}
