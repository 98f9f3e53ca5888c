'use strict';

const { test } = require('node:test');
const assert = require('node:assert');
const { createApp } = require('../app');

test('answers / and /healthz', async () => {
  const server = createApp().listen(0);
  try {
    const base = `http://127.0.0.1:${server.address().port}`;
    const root = await fetch(`${base}/`);
    assert.strictEqual(root.status, 200);
    assert.match(await root.text(), /hello from appbuild/);
    const health = await fetch(`${base}/healthz`);
    assert.strictEqual(health.status, 200);
    assert.strictEqual(await health.text(), 'ok\n');
  } finally {
    server.close();
  }
});
