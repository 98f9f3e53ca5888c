'use strict';

const express = require('express');
const helmet = require('helmet');

// createApp builds the Express app; server.js listens, the tests call it directly.
function createApp() {
  const app = express();
  app.use(helmet());

  app.get('/', (req, res) => {
    res.type('text/plain').send('hello from appbuild (express)\n');
  });

  // The image's HEALTHCHECK asks for this (appbuild-probe, any 2xx is healthy).
  app.get('/healthz', (req, res) => {
    res.type('text/plain').send('ok\n');
  });

  return app;
}

module.exports = { createApp };
