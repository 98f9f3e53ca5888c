'use strict';

const http = require('node:http');
const ms = require('ms');

const started = Date.now();
const server = http.createServer((req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  if (req.url === '/healthz') {
    res.end('ok\n');
    return;
  }
  res.end(`hello from appbuild (yarn berry), up ${ms(Date.now() - started + 60000)}\n`);
});
server.listen(Number(process.env.PORT || 8080));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
