import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 8080);
const app = buildApp();

await app.listen({ port, host: '0.0.0.0' });
console.log(`listening on :${port}`);

// Node as PID 1 does not stop on SIGTERM by itself: close and exit, so a container
// stops at once instead of after the runtime's kill timeout.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
