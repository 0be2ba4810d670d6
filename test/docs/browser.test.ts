/**
 * The API reference in a real browser: headless Chromium (Debian's package) loads the site as
 * `npm run docs` builds it (file:// URLs, as from any static host's disk) and from the admin port's
 * /docs/. It finds every implemented operation; the search finds operations and error codes by name
 * and Enter opens the first hit; every page of the site is visited by following its links, with no
 * console error, no failed load, no request leaving the site and no link to a missing page or
 * anchor. Screenshots are written to test-artifacts/docs/.
 *
 * Needs `chromium` on PATH (scripts/install-test-tools.sh installs Debian's). Under CI (CI=true) its
 * absence is a failure; elsewhere the browser tests skip with the reason.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ir from "../../generated/ir.json" with { type: "json" };
import type { Ir } from "../../generated/ir-types.js";
import { buildSite } from "../../codegen/docs.js";
import { operationPath } from "../../runtime/docs/site.js";
import { Browser, findChromium, type Page } from "../support/chromium.js";
import { ROOT, startGateway, type RunningGateway } from "../support/server.js";

const spec = ir as unknown as Ir;
const IN_CI = process.env.CI === "true";
const CHROMIUM = findChromium();
if (CHROMIUM.problem && !IN_CI) console.warn(`skipping the browser tests of the API reference: ${CHROMIUM.problem}`);
const ARTIFACTS = path.join(ROOT, "test-artifacts/docs");

/** Everything the page reports as wrong: console errors, uncaught exceptions, failed or outside loads. */
function watch(page: Page, allowedOrigin: (url: string) => boolean): { problems: string[]; stop: () => void } {
  const problems: string[] = [];
  let where = "";
  const stop = page.on((e) => {
    const p = e.params as Record<string, any>;
    switch (e.method) {
      case "Page.frameNavigated":
        if (!p.frame.parentId) where = p.frame.url;
        break;
      case "Runtime.consoleAPICalled":
        if (p.type === "error" || p.type === "assert") problems.push(`${where}: console.${p.type}: ${p.args.map((a: { value?: unknown; description?: string }) => a.value ?? a.description).join(" ")}`);
        break;
      case "Runtime.exceptionThrown":
        problems.push(`${where}: uncaught ${p.exceptionDetails.exception?.description ?? p.exceptionDetails.text}`);
        break;
      case "Log.entryAdded":
        if (p.entry.level === "error") problems.push(`${where}: ${p.entry.source}: ${p.entry.text} ${p.entry.url ?? ""}`);
        break;
      case "Network.requestWillBeSent":
        if (!allowedOrigin(p.request.url)) problems.push(`${where}: request leaving the site: ${p.request.url}`);
        break;
      case "Network.loadingFailed":
        problems.push(`${where}: load failed: ${p.errorText}${p.blockedReason ? ` (${p.blockedReason})` : ""}`);
        break;
      case "Network.responseReceived":
        if (p.response.status >= 400) problems.push(`${where}: ${p.response.status} for ${p.response.url}`);
        break;
    }
  });
  return { problems, stop };
}

/**
 * Visits every page reachable from `start` by its links (within `inSite`), checking each link's
 * anchor exists on its target. Returns the pages visited and the broken links.
 */
async function crawl(page: Page, start: string, inSite: (url: string) => boolean): Promise<{ visited: string[]; broken: string[] }> {
  const queue = [start];
  const seen = new Set([start]);
  const anchors = new Map<string, Set<string>>(); // page -> ids linked to on it
  const ids = new Map<string, Set<string>>();
  const broken: string[] = [];
  while (queue.length) {
    const url = queue.shift()!;
    try {
      await page.goto(url);
    } catch (err) {
      broken.push((err as Error).message);
      continue;
    }
    const found = await page.evaluate<{ links: string[]; ids: string[]; title: string }>(
      `({ links: [...document.querySelectorAll("a[href]")].map((a) => a.href), ids: [...document.querySelectorAll("[id]")].map((e) => e.id), title: document.title })`,
    );
    if (!found.title) broken.push(`${url}: no title`);
    ids.set(url, new Set(found.ids));
    for (const href of found.links) {
      if (!inSite(href)) {
        broken.push(`${url}: links outside the site: ${href}`);
        continue;
      }
      const [target, anchor] = href.split("#") as [string, string | undefined];
      if (anchor) anchors.set(target, (anchors.get(target) ?? new Set()).add(`${anchor}\u0000${url}`));
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  for (const [target, wanted] of anchors) {
    for (const w of wanted) {
      const [id, from] = w.split("\u0000");
      if (ids.has(target) && !ids.get(target)!.has(id!)) broken.push(`${from}: #${id} is not on ${target}`);
    }
  }
  return { visited: [...ids.keys()], broken };
}

async function search(page: Page, query: string): Promise<{ name: string; href: string }[]> {
  await page.evaluate(`(() => { const s = document.getElementById("search"); s.value = ""; s.focus(); })()`);
  // typed as a user would: input events from the browser's own text input
  await page.send("Input.insertText", { text: query });
  return page.evaluate(`[...document.querySelectorAll("#search-results a")].map((a) => ({ name: a.firstChild.textContent, href: a.href }))`);
}

async function pressEnter(page: Page): Promise<void> {
  await page.waitFor("Page.loadEventFired", async () => {
    await page.send("Input.dispatchKeyEvent", { type: "keyDown", key: "Enter", code: "Enter", windowsVirtualKeyCode: 13, text: "\r" });
    await page.send("Input.dispatchKeyEvent", { type: "keyUp", key: "Enter", code: "Enter", windowsVirtualKeyCode: 13 });
  });
}

function saveScreenshot(name: string, png: Buffer): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, name), png);
}

describe("the API reference in headless Chromium", () => {
  it("has chromium (required under CI; elsewhere these tests skip without it)", (ctx) => {
    if (CHROMIUM.problem && !IN_CI) ctx.skip();
    expect(CHROMIUM.problem, "the browser tests need chromium").toBeUndefined();
  });

  describe.skipIf(CHROMIUM.path === undefined)("the built site (npm run docs), from disk", () => {
    let browser: Browser;
    let page: Page;
    let out: string;
    let base: string;
    let watcher: ReturnType<typeof watch>;
    const inSite = (url: string) => url.startsWith(base);

    beforeAll(async () => {
      out = mkdtempSync(path.join(os.tmpdir(), "s3gw-site-browser-"));
      await buildSite(out);
      base = pathToFileURL(out).href + "/";
      browser = await Browser.launch(CHROMIUM.path!);
      page = await browser.newPage();
      watcher = watch(page, (url) => url.startsWith(base) || url === "about:blank");
    }, 60_000);
    afterAll(async () => {
      watcher?.stop();
      await browser?.close();
      if (out) rmSync(out, { recursive: true, force: true });
    });

    it("finds every implemented operation on the overview, each linking to its page", async () => {
      await page.goto(`${base}index.html`);
      const listed = await page.evaluate<{ name: string; href: string }[]>(
        `[...document.querySelectorAll("main a[href^='operations/']")].map((a) => ({ name: a.textContent, href: a.getAttribute("href") }))`,
      );
      for (const op of spec.operations.filter((o) => o.implemented)) {
        expect(listed, op.name).toContainEqual({ name: op.name, href: operationPath(op.name) });
      }
      await page.goto(`${base}${operationPath("GetObject")}`);
      expect(await page.evaluate<string>(`document.querySelector("h1").textContent`)).toBe("GetObject");
      expect(await page.evaluate<string>(`document.querySelector(".binding").textContent`)).toBe("GET /{Bucket}/{Key}");
      saveScreenshot("operation-GetObject.png", await page.screenshot());
    });

    it("finds an operation and an error code by name with the search; Enter opens the first hit", async () => {
      await page.goto(`${base}index.html`);
      const hits = await search(page, "listobjectsv");
      expect(hits[0]?.name).toBe("ListObjectsV2");
      expect(hits[0]?.href).toBe(`${base}${operationPath("ListObjectsV2")}`);
      saveScreenshot("search.png", await page.screenshot());
      await pressEnter(page);
      expect(await page.evaluate<string>("location.href")).toBe(`${base}${operationPath("ListObjectsV2")}`);
      // from a page one level down, the hits still lead to the right place
      const err = await search(page, "NoSuchUpload");
      expect(err[0]).toEqual({ name: "NoSuchUpload", href: `${base}errors.html#NoSuchUpload` });
      expect(await search(page, "no operation is called this")).toEqual([]);
    });

    it("visits every page by its links: no broken link or anchor, no console error, nothing loaded from outside", async () => {
      const { visited, broken } = await crawl(page, `${base}index.html`, inSite);
      expect(broken).toEqual([]);
      expect(visited.length).toBe(spec.operations.length + 2); // the operations, the overview and the error table
      expect(watcher.problems).toEqual([]);
      await page.goto(`${base}index.html`);
      saveScreenshot("index.png", await page.screenshot());
    }, 300_000);
  });

  describe.skipIf(CHROMIUM.path === undefined)("the admin port's /docs/", () => {
    let gw: RunningGateway;
    let browser: Browser;
    let page: Page;
    let watcher: ReturnType<typeof watch>;

    beforeAll(async () => {
      gw = await startGateway();
      browser = await Browser.launch(CHROMIUM.path!);
      page = await browser.newPage();
      watcher = watch(page, (url) => url.startsWith(`${gw.adminEndpoint}/docs/`) || url === "about:blank");
    }, 60_000);
    afterAll(async () => {
      watcher?.stop();
      await browser?.close();
      await gw?.stop();
    });

    it("serves pages that load, search and link with no console error under its same-origin policy", async () => {
      const base = `${gw.adminEndpoint}/docs/`;
      await page.goto(base);
      expect(await page.evaluate<string>(`document.querySelector("h1").textContent`)).toMatch(/API reference/);
      const hits = await search(page, "CompleteMultipart");
      expect(hits[0]?.href).toBe(`${base}${operationPath("CompleteMultipartUpload")}`);
      await pressEnter(page);
      expect(await page.evaluate<string>(`document.querySelector("h1").textContent`)).toBe("CompleteMultipartUpload");
      // the stylesheet applied: the sidebar is laid out beside the content
      expect(await page.evaluate<string>(`getComputedStyle(document.querySelector("nav.side")).position`)).toBe("sticky");
      await page.goto(`${base}errors.html#NoSuchKey`);
      expect(await page.evaluate<boolean>(`document.getElementById("NoSuchKey") !== null`)).toBe(true);
      saveScreenshot("admin-errors.png", await page.screenshot());
      expect(watcher.problems).toEqual([]);
    });
  });
});
