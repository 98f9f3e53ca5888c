// Bundles src/main.js into dist/assets/ under a content-hashed name and
// writes dist/index.html pointing at it: what a bundler's HTML step does.
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

const out = "dist";
await rm(out, { recursive: true, force: true });
const result = await build({
  entryPoints: ["src/main.js"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  outdir: path.join(out, "assets"),
  entryNames: "[name]-[hash]",
  metafile: true,
  jsx: "automatic",
  jsxImportSource: "preact",
});
const script = Object.keys(result.metafile.outputs).find((f) => f.endsWith(".js"));
const html = (await readFile("src/index.html", "utf8")).replace("%MAIN%", "/" + path.relative(out, script));
await mkdir(out, { recursive: true });
await writeFile(path.join(out, "index.html"), html);
console.log(`built ${script}`);
