// The site in a real browser: headless Chromium opens every page of a built
// site over file:// and fails on a console error, a request that leaves the
// site, a broken link, image or download, a page without lang="da" or
// without exactly one h1, a chart without a name that states its numbers,
// a page wider than a 360 px phone, a link without a visible focus, and any
// serious or critical WCAG 2.1 A/AA violation axe-core finds.
//
// Every page is also parsed by parse5, the HTML5 parser of the standard,
// and any parse error fails the check.
//
// Usage: node check.mjs <site folder> [screenshot folder]

import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const parse5 = require("parse5");
const AXE = require.resolve("axe-core/axe.min.js");

const site = path.resolve(process.argv[2] ?? "../../outputs/site");
const shots = process.argv[3] ? path.resolve(process.argv[3]) : null;
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
// This machine's network is closed: Chromium must not try to reach it.
const args = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const FAIL_IMPACTS = new Set(["serious", "critical"]);

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

/** What a file must start with, by extension, to be what its link says. */
function looksRight(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.length === 0) return "is empty";
  const head = bytes.subarray(0, 16).toString("latin1");
  switch (path.extname(file)) {
    case ".png": return head.startsWith("\x89PNG") ? null : "is not a PNG";
    case ".pdf": return head.startsWith("%PDF-") ? null : "is not a PDF";
    case ".svg": return bytes.toString("utf8").includes("<svg") ? null : "is not an SVG";
    case ".json": try { JSON.parse(bytes.toString("utf8")); return null; } catch { return "is not JSON"; }
    case ".xlsx": return head.startsWith("PK") ? null : "is not a workbook";
    default: return null;
  }
}

if (!fs.existsSync(path.join(site, "index.html"))) {
  console.error(`web check: no site at ${site} (build it first)`);
  process.exit(2);
}
const pages = walk(site).filter((f) => f.endsWith(".html")).sort();
const problems = [];
const problem = (page, what) => problems.push(`${path.relative(site, page)}: ${what}`);
const ids = new Map(); // page file -> set of ids, for links with a fragment

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "barometer-chromium-"));
const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args, viewport: { width: 1280, height: 900 } });
let checkedLinks = 0;
let external = 0;
const fragments = []; // [page, target, id] of links with a fragment
try {
  const page = context.pages()[0] ?? (await context.newPage());
  let current = null;
  page.on("console", (m) => { if (m.type() === "error") problem(current, `console error: ${m.text()}`); });
  page.on("pageerror", (e) => problem(current, `page error: ${e.message}`));
  page.on("requestfailed", (r) => problem(current, `request failed: ${r.url()} (${r.failure()?.errorText})`));
  // No request leaves the site: anything but a file under it is refused.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file://") && fileURLToPath(url).startsWith(site)) return route.continue();
    problem(current, `request leaves the site: ${url}`);
    return route.abort();
  });

  for (const file of pages) {
    current = file;
    parse5.parse(fs.readFileSync(file, "utf8"), {
      onParseError: (e) => problem(file, `HTML parse error ${e.code} at line ${e.startLine}, column ${e.startCol}`),
    });
    await page.setViewportSize({ width: 1280, height: 900 });
    const response = await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    if (!response) problem(file, "did not load");
    await page.evaluate(() => document.fonts.ready);
    const facts = await page.evaluate(() => {
      const name = (el) => (el.getAttribute("aria-labelledby") ?? "").split(/\s+/).filter(Boolean)
        .map((id) => document.getElementById(id)?.textContent ?? "").join(" ").trim() || el.getAttribute("aria-label") || "";
      return {
        lang: document.documentElement.lang,
        h1: document.querySelectorAll("h1").length,
        scripts: document.querySelectorAll("script").length,
        ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
        links: [...document.querySelectorAll("a[href], link[href], img[src], image[href], [src]")]
          .map((e) => ({ url: e.getAttribute("href") ?? e.getAttribute("src"), download: e.hasAttribute("download") })),
        charts: [...document.querySelectorAll("svg.chart")].map(name),
        images: [...document.images].filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src),
        font: document.fonts.check('16px "Open Sans"'),
      };
    });
    ids.set(file, new Set(facts.ids));
    if (facts.lang !== "da") problem(file, `lang is "${facts.lang}", not "da"`);
    if (facts.h1 !== 1) problem(file, `${facts.h1} h1 elements, not one`);
    if (facts.scripts !== 0) problem(file, "has a script: the site works without JavaScript");
    if (!facts.font) problem(file, "the shipped Open Sans did not load");
    for (const src of facts.images) problem(file, `broken image ${src}`);
    for (const n of facts.charts) if (!/\d/.test(n)) problem(file, `a chart's name states no number: "${n}"`);
    for (const { url, download } of facts.links) {
      if (/^[a-z]+:/i.test(url)) {
        if (!/^https?:\/\/[^\s/]+\.[^\s]+$/.test(url) && !url.startsWith("mailto:")) problem(file, `malformed external link ${url}`);
        external++;
        continue;
      }
      if (url.startsWith("/")) { problem(file, `absolute link ${url}: links must be relative`); continue; }
      checkedLinks++;
      const [target, fragment] = url.split("#");
      const resolved = target === "" ? file : path.resolve(path.dirname(file), decodeURIComponent(target));
      if (!resolved.startsWith(site)) { problem(file, `link ${url} leaves the site`); continue; }
      if (!fs.existsSync(resolved) || fs.statSync(resolved).isDirectory()) { problem(file, `broken link ${url}`); continue; }
      const wrong = looksRight(resolved);
      if (wrong) problem(file, `${download ? "download" : "link"} ${url} ${wrong}`);
      if (fragment) fragments.push([file, resolved, fragment]);
    }

    // The first Tab reaches the skip link, which must show its focus.
    await page.keyboard.press("Tab");
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      const s = getComputedStyle(el);
      return { tag: el.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    if (focus.tag !== "A" || focus.outline === "none" || focus.width < 2) problem(file, `no visible keyboard focus (${JSON.stringify(focus)})`);

    await page.addScriptTag({ path: AXE });
    const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, preload: false }), WCAG);
    for (const v of result.violations) {
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ");
      const line = `axe ${v.impact}: ${v.id} (${v.help}) at ${where}`;
      if (FAIL_IMPACTS.has(v.impact)) problem(file, line);
      else console.warn(`warning: ${path.relative(site, file)}: ${line}`);
    }

    // A 360 px phone: nothing wider than the screen but the charts' own scrolling frames.
    await page.setViewportSize({ width: 360, height: 740 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > 360) problem(file, `${wide} px wide on a 360 px phone`);
    if (shots && (file.endsWith(`${path.sep}site${path.sep}index.html`) || /tema\/[^/]+\/index\.html$/.test(file))) {
      const name = path.relative(site, file).replaceAll(path.sep, "_");
      for (const width of [360, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: path.join(shots, `${width}-${name}.png`), fullPage: true });
      }
    }
  }
  for (const [file, target, fragment] of fragments) {
    if (!ids.get(target)?.has(decodeURIComponent(fragment))) problem(file, `link to #${fragment} in ${path.relative(site, target)}, which has no such id`);
  }
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

console.log(`web check: ${pages.length} pages, ${checkedLinks} links and downloads checked, ${external} external links not followed`);
if (problems.length) {
  console.error(`web check: ${problems.length} problems:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("web check: ok");
