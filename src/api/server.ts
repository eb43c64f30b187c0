// The HTTP transport: Fastify with zod validation/serialisation, the OpenAPI document built from the
// same schemas (/api/openapi.json, browsable at /api/docs), the access layer, and the routes.
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import { busRateLimitStore } from '../infra/bus/index.ts';
import { installAccessLayer, requireDeclarations } from './access.ts';
import { installErrorHandler } from './errors.ts';
import { backupRoutes } from './routes/backups.ts';
import { credentialRoutes } from './routes/credentials.ts';
import { dnsProviderRoutes } from './routes/dns-providers.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { systemStatusRoutes } from './routes/system-status.ts';
import { deploymentRoutes } from './routes/deployments.ts';
import { domainRoutes } from './routes/domains.ts';
import { sslRoutes } from './routes/ssl.ts';
import { eventRoutes } from './routes/events.ts';
import { identityRoutes } from './routes/identity.ts';
import { ingressRoutes } from './routes/ingress.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { jobRoutes } from './routes/jobs.ts';
import { orgRoutes } from './routes/orgs.ts';
import { projectRoutes } from './routes/projects.ts';
import { serviceRoutes } from './routes/services.ts';
import { databaseRoutes } from './routes/databases.ts';
import { systemRoutes } from './routes/system.ts';

export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export const VERSION = '0.1.0';

export interface BuildApiOptions {
  /** Extra route modules (tests use this to prove undeclared routes are refused). */
  extraRoutes?: (app: Api) => void;
}

export async function buildApi(ctx: AppContext, opts: BuildApiOptions = {}): Promise<Api> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    trustProxy: ctx.config.BERTH_TRUST_PROXY,
    bodyLimit: 1024 * 1024,
    disableRequestLogging: false,
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  requireDeclarations(app);

  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    // Counters live on the bus: shared by every replica through Redis, in-process without it.
    store: busRateLimitStore(ctx.bus),
    errorResponseBuilder: (_req, c) => ({ statusCode: 429, error: 'rate_limited', message: `too many attempts: try again in ${Math.ceil(c.ttl / 1000)} s` }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Berth API', version: VERSION, description: 'Self-hosted platform-as-a-service on Docker Swarm' },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from POST /api/me/api-keys' },
          session: { type: 'apiKey', in: 'cookie', name: 'berth_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  installAccessLayer(app, ctx);

  app.get('/api/openapi.json', { config: { access: { kind: 'public' } }, schema: { hide: true } }, async () => app.swagger());
  systemRoutes(app, ctx);
  systemStatusRoutes(app, ctx);
  identityRoutes(app, ctx);
  orgRoutes(app, ctx);
  projectRoutes(app, ctx);
  serviceRoutes(app, ctx);
  databaseRoutes(app, ctx);
  jobRoutes(app, ctx);
  deploymentRoutes(app, ctx);
  domainRoutes(app, ctx);
  sslRoutes(app, ctx);
  eventRoutes(app, ctx);
  credentialRoutes(app, ctx);
  backupRoutes(app, ctx);
  dnsProviderRoutes(app, ctx);
  webhookRoutes(app, ctx);
  ingressRoutes(app, ctx);
  opts.extraRoutes?.(app);
  // Last: the dashboard's catch-all GET (index.html for client routes) never shadows a declared route.
  await dashboardRoutes(app);
  await app.ready();
  return app;
}
