// Runs against the compiled output (pnpm run build first), as the image does.
import { test } from 'node:test';
import assert from 'node:assert';
import { buildApp } from '../dist/app.js';

test('answers / and /healthz', async () => {
  const app = buildApp();
  const root = await app.inject({ method: 'GET', url: '/' });
  assert.strictEqual(root.statusCode, 200);
  assert.match(root.body, /hello from appbuild/);
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  assert.strictEqual(health.statusCode, 200);
  assert.strictEqual(health.body, 'ok\n');
  await app.close();
});
