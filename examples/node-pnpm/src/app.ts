import Fastify, { type FastifyInstance } from 'fastify';

// buildApp makes the Fastify app; server.ts listens, the tests inject requests.
export function buildApp(): FastifyInstance {
  const app = Fastify({ logger: false });

  app.get('/', async (_request, reply) => {
    reply.type('text/plain');
    return 'hello from appbuild (fastify, built with pnpm)\n';
  });

  // The image's HEALTHCHECK asks for this (appbuild-probe, any 2xx is healthy).
  app.get('/healthz', async (_request, reply) => {
    reply.type('text/plain');
    return 'ok\n';
  });

  return app;
}
