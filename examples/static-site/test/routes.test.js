import assert from "node:assert/strict";
import { test } from "node:test";
import { route } from "../src/routes.js";

test("known routes have a page", () => {
  assert.equal(route("/about").title, "About");
});

test("unknown routes say so", () => {
  assert.equal(route("/nope").title, "Not found");
});
