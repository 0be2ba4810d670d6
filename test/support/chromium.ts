/**
 * Headless Chromium (Debian's `chromium` package) driven over the Chrome DevTools Protocol through
 * `--remote-debugging-pipe`: the browser reads commands on fd 3 and writes answers and events on
 * fd 4, each a JSON message ended by a NUL byte. No WebSocket client and no browser download are
 * needed (Node 20 has no WebSocket without a flag; puppeteer would fetch a browser of its own).
 * https://chromedevtools.github.io/devtools-protocol/
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable, Writable } from "node:stream";

/** The first of Debian's (and other distributions') names for the browser that runs, or why none does. */
export function findChromium(): { path?: string; problem?: string } {
  const names = process.env.CHROMIUM ? [process.env.CHROMIUM] : ["chromium", "chromium-browser", "google-chrome"];
  for (const name of names) {
    const run = spawnSync(name, ["--version"], { encoding: "utf8", timeout: 30_000 });
    if (run.status === 0) return { path: name };
  }
  return { problem: `none of ${names.join(", ")} runs (Debian: apt-get install chromium; scripts/install-test-tools.sh does)` };
}

export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void; method: string };

export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: CdpEvent) => void>();
  private buffered = "";

  private constructor(
    private readonly child: ChildProcess,
    private readonly input: Writable,
    output: Readable,
    private readonly profile: string,
  ) {
    output.setEncoding("utf8");
    output.on("data", (chunk: string) => {
      this.buffered += chunk;
      let end: number;
      while ((end = this.buffered.indexOf("\0")) >= 0) {
        const message = JSON.parse(this.buffered.slice(0, end)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } } & CdpEvent;
        this.buffered = this.buffered.slice(end + 1);
        if (message.id !== undefined) {
          const p = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) p?.reject(new Error(`${p.method}: ${message.error.message}`));
          else p?.resolve(message.result ?? {});
        } else for (const l of this.listeners) l(message);
      }
    });
    child.on("exit", () => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited during ${p.method}`));
      this.pending.clear();
    });
  }

  static async launch(executable: string, windowSize = "1280,900"): Promise<Browser> {
    const profile = mkdtempSync(path.join(os.tmpdir(), "s3gw-chromium-"));
    const child = spawn(
      executable,
      [
        "--headless",
        // root (CI) cannot use the sandbox; the pages are the project's own
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-extensions",
        "--disable-sync",
        "--allow-file-access-from-files",
        `--window-size=${windowSize}`,
        `--user-data-dir=${profile}`,
        "--remote-debugging-pipe",
        "about:blank",
      ],
      { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
    );
    child.stderr!.resume();
    return new Browser(child, child.stdio[3] as Writable, child.stdio[4] as Readable, profile);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  on(listener: (e: CdpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A new tab, with the Page, Runtime, Log and Network domains on. */
  async newPage(): Promise<Page> {
    const { targetId } = (await this.send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
    const { sessionId } = (await this.send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
    const page = new Page(this, sessionId);
    for (const domain of ["Page", "Runtime", "Log", "Network"]) await page.send(`${domain}.enable`);
    return page;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => (this.child.exitCode !== null ? resolve() : this.child.once("exit", () => resolve())));
    await this.send("Browser.close").catch(() => undefined);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  constructor(
    private readonly browser: Browser,
    readonly sessionId: string,
  ) {}

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Events of this tab. */
  on(listener: (e: CdpEvent) => void): () => void {
    return this.browser.on((e) => {
      if (e.sessionId === this.sessionId) listener(e);
    });
  }

  /** Waits for the next event `method` of this tab (after `action` ran), within `ms`. */
  async waitFor(method: string, action: () => Promise<unknown>, ms = 15_000): Promise<CdpEvent> {
    let off = () => {};
    let timer: NodeJS.Timeout | undefined;
    const event = new Promise<CdpEvent>((resolve, reject) => {
      off = this.on((e) => {
        if (e.method === method) resolve(e);
      });
      timer = setTimeout(() => reject(new Error(`no ${method} within ${ms} ms`)), ms);
    });
    try {
      await action();
      return await event;
    } finally {
      off();
      clearTimeout(timer);
    }
  }

  /** Navigates and waits for the load event; throws on a navigation error (a missing file...). */
  async goto(url: string): Promise<void> {
    await this.waitFor("Page.loadEventFired", async () => {
      const r = (await this.send("Page.navigate", { url })) as { errorText?: string };
      if (r.errorText) throw new Error(`${url}: ${r.errorText}`);
    });
  }

  /** The value of a JavaScript expression in the page (awaited when it is a promise). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true })) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  async screenshot(): Promise<Buffer> {
    const { data } = (await this.send("Page.captureScreenshot", { format: "png" })) as { data: string };
    return Buffer.from(data, "base64");
  }
}
