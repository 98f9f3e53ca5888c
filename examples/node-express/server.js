'use strict';

const { createApp } = require('./app');

const port = Number(process.env.PORT || 8080);
const server = createApp().listen(port, () => {
  console.log(`listening on :${port}`);
});

// Node as PID 1 does not stop on SIGTERM by itself: close the server and exit, so a
// container stops at once instead of after the runtime's kill timeout.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
