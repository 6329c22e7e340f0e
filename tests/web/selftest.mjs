// The web check must be able to fail: a small broken site, each of whose
// faults the check must name. Run before the real check.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const site = fs.mkdtempSync(path.join(os.tmpdir(), "barometer-broken-site-"));
fs.mkdirSync(path.join(site, "tema"));
fs.writeFileSync(path.join(site, "index.html"), `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Broken</title>
<style>.faint { color: #bbbbbb; } a:focus { outline: none; }</style></head>
<body><a href="tema/missing.html">Gone</a>
<h1>One</h1><h1>Two</h1>
<p class="faint">Grey on white, too faint to read.</p>
<img src="https://example.invalid/pixel.png" alt="">
<a href="data.png" download>Not a PNG</a>
<svg class="chart" role="img" aria-label="A chart without numbers"></svg>
<script>console.error("boom")</script>
<p class="a" class="b">One attribute twice</p>
</body></html>`);
fs.writeFileSync(path.join(site, "data.png"), "text, not an image");

const run = spawnSync(process.execPath, [path.join(here, "check.mjs"), site], { encoding: "utf8" });
fs.rmSync(site, { recursive: true, force: true });
const said = run.stdout + run.stderr;
const expected = [
  'lang is "en", not "da"',
  "2 h1 elements, not one",
  "broken link tema/missing.html",
  "request leaves the site: https://example.invalid/pixel.png",
  "download data.png is not a PNG",
  "a chart's name states no number",
  "has a script",
  "console error: boom",
  "no visible keyboard focus",
  "axe serious: color-contrast",
  "HTML parse error duplicate-attribute at line 11",
];
const missed = expected.filter((e) => !said.includes(e));
if (run.status !== 1 || missed.length) {
  console.error(`web check self-test: the check did not fail as it must (status ${run.status}); missed:\n  ${missed.join("\n  ")}\n--- its output ---\n${said}`);
  process.exit(1);
}
console.log(`web check self-test: ok (${expected.length} faults found)`);
