// The process logger: structured JSON (pino). Request URLs are logged without secrets: a webhook's URL
// token is a bearer credential.
import pino, { type Logger } from 'pino';
import type { Config } from '../config/config.ts';

export function redactUrl(url: string): string {
  return url.replace(/^\/api\/webhooks\/[^/?#]+/, '/api/webhooks/[redacted]');
}

export function createLogger(config: Pick<Config, 'BERTH_LOG_LEVEL'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.BERTH_LOG_LEVEL,
      base: { app: 'berth' },
      serializers: {
        err: pino.stdSerializers.err,
        req: (req: { method?: string; url?: string; ip?: string; hostname?: string }) => ({ method: req.method, url: redactUrl(req.url ?? ''), host: req.hostname, remoteAddress: req.ip }),
      },
    },
    destination,
  );
}
