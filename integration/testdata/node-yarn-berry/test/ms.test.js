'use strict';

const { test } = require('node:test');
const assert = require('node:assert');
const ms = require('ms');
const isNumber = require('is-number');

test('dependencies resolve', () => {
  assert.strictEqual(ms(60000), '1m');
  assert.ok(isNumber(5));
});
