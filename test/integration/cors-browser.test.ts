/**
 * CORS in a real browser: headless Chromium loads a page from one origin (a small HTTP server on a
 * port of its own) whose script reads an object from the gateway (another origin: another port)
 * through a presigned URL, and writes one with a presigned PUT, which the browser preflights. With
 * the bucket's CORS rule the bytes arrive (and ETag, exposed by the rule, is readable); from a bucket
 * without rules the browser blocks the same requests, and the PUT never leaves its preflight.
 *
 * Needs `chromium` on PATH (scripts/install-test-tools.sh installs Debian's). Under CI (CI=true) its
 * absence is a failure; elsewhere these tests skip with the reason. Embedded backend only (Ozone
 * keeps no CORS rules).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketCorsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, findChromium, type Page } from "../support/chromium.js";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, bytes, expectS3Error, md5Hex, presignedUrl } from "./helpers.js";

const IN_CI = process.env.CI === "true";
const CHROMIUM = findChromium();
if (CHROMIUM.problem && !IN_CI) console.warn(`skipping the CORS browser tests: ${CHROMIUM.problem}`);

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>cross-origin reader</title></head>
<body><p>A page of another origin than the gateway.</p></body></html>`;

/** What the page's script reports of one fetch. */
interface Outcome {
  ok?: boolean;
  status?: number;
  /** hex of the bytes read */
  hex?: string;
  etag?: string | null;
  /** the TypeError of a request the browser blocked */
  error?: string;
}

describe.skipIf(ON_OZONE)("CORS in headless Chromium", () => {
  it("has chromium (required under CI; elsewhere these tests skip without it)", (ctx) => {
    if (CHROMIUM.problem && !IN_CI) ctx.skip();
    expect(CHROMIUM.problem, "the browser tests need chromium").toBeUndefined();
  });

  describe.skipIf(CHROMIUM.path === undefined)("a page of another origin", () => {
    let gw: RunningGateway;
    let s3: S3Client;
    let site: http.Server;
    let origin: string;
    let browser: Browser;
    let page: Page;
    const open = bucketName("cors-browser");
    const closed = bucketName("cors-browser-closed");
    const data = bytes(100_000, 7);

    beforeAll(async () => {
      gw = await startGateway();
      s3 = gw.client();
      site = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE));
      await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
      origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
      for (const b of [open, closed]) {
        await s3.send(new CreateBucketCommand({ Bucket: b }));
        await s3.send(new PutObjectCommand({ Bucket: b, Key: "data.bin", Body: data }));
      }
      await s3.send(
        new PutBucketCorsCommand({
          Bucket: open,
          CORSConfiguration: { CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ["GET", "PUT"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 60 }] },
        }),
      );
      browser = await Browser.launch(CHROMIUM.path!);
      page = await browser.newPage();
      await page.goto(`${origin}/`);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
      s3?.destroy();
      await gw?.stop();
    });

    /** Runs fetch(url, init) in the page; `body` (hex) becomes the request body. */
    function pageFetch(url: string, init: { method?: string; bodyHex?: string } = {}): Promise<Outcome> {
      return page.evaluate<Outcome>(`(async () => {
        const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
        const init = ${JSON.stringify(init)};
        const body = init.bodyHex === undefined ? undefined : new Uint8Array(init.bodyHex.match(/../g).map((h) => parseInt(h, 16)));
        try {
          const r = await fetch(${JSON.stringify(url)}, { method: init.method ?? "GET", body, mode: "cors" });
          return { ok: r.ok, status: r.status, hex: hex(await r.arrayBuffer()), etag: r.headers.get("etag") };
        } catch (err) {
          return { error: String(err) };
        }
      })()`);
    }

    it("serves the page from another origin than the gateway", async () => {
      expect(await page.evaluate<string>("location.origin")).toBe(origin);
      expect(origin).not.toBe(gw.endpoint);
    });

    it("reads an object through CORS with the bucket's rule, ETag exposed by it", async () => {
      const got = await pageFetch(await presignedUrl(gw, `/${open}/data.bin`));
      expect(got.error).toBeUndefined();
      expect(got.status).toBe(200);
      expect(got.hex).toBe(data.toString("hex"));
      expect(got.etag).toBe(`"${md5Hex(data)}"`);
    });

    it("is blocked by the browser without a rule", async () => {
      const got = await pageFetch(await presignedUrl(gw, `/${closed}/data.bin`));
      expect(got.error).toMatch(/TypeError: Failed to fetch/);
    });

    it("writes through a preflighted PUT with the rule; without one the preflight stops it", async () => {
      const small = bytes(1000, 9);
      const put = await pageFetch(await presignedUrl(gw, `/${open}/from-browser.bin`, { method: "PUT" }), { method: "PUT", bodyHex: small.toString("hex") });
      expect(put.error).toBeUndefined();
      expect(put.status).toBe(200);
      expect(put.etag).toBe(`"${md5Hex(small)}"`);
      const stored = await s3.send(new GetObjectCommand({ Bucket: open, Key: "from-browser.bin" }));
      expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(small)).toBe(true);

      const refused = await pageFetch(await presignedUrl(gw, `/${closed}/from-browser.bin`, { method: "PUT" }), { method: "PUT", bodyHex: small.toString("hex") });
      expect(refused.error).toMatch(/TypeError: Failed to fetch/);
      await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: closed, Key: "from-browser.bin" })), "NotFound", 404);
    });
  });
});
