// The `deploy` job type: its payload names the deployment; the handler is the pipeline. One deploy job
// per service at a time is the queue's guarantee (serialisation key = service id).
import { z } from 'zod';
import { defineJob, type JobContext } from '../../jobs/index.ts';

export const deployPayload = z.object({ deploymentId: z.uuid() });

export function deployJobType(run: (deploymentId: string, ctx: JobContext) => Promise<unknown>) {
  return defineJob({
    name: 'deploy',
    schema: deployPayload,
    // A deploy is not retried blindly: a crash mid-build fails it with a reason; the user redeploys.
    maxAttempts: 1,
    timeoutSeconds: 3600,
    handler: (payload, ctx) => run(payload.deploymentId, ctx),
  });
}

export type DeployJobType = ReturnType<typeof deployJobType>;
