// What the API needs from the job queue (implemented in jobs/, injected through the context).
export interface JobView {
  id: string;
  type: string;
  state: string;
  serviceId: string | null;
  orgId: string | null;
  attempts: number;
  lastError: string | null;
  position: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface JobsFacade {
  list(opts: { orgId: string; state?: string | undefined; limit: number }): Promise<JobView[]>;
  get(opts: { orgId: string; id: string }): Promise<JobView | undefined>;
  cancel(opts: { orgId: string; id: string }): Promise<JobView | undefined>;
}
