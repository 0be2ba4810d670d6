/**
 * PostObject in a real browser: headless Chromium loads a page (from a small HTTP server of another
 * origin) holding an HTML form with a POST policy and its SigV4 signature made for it, puts a file
 * in the form's file input and submits it: the browser encodes the multipart/form-data body itself.
 * The gateway stores the file's bytes under the key the form names (`${filename}` replaced) and
 * redirects (303) to success_action_redirect with bucket, key and etag; a form whose policy was
 * changed after signing is refused (SignatureDoesNotMatch) and stores nothing.
 *
 * Needs `chromium` on PATH (scripts/install-test-tools.sh installs Debian's). Under CI (CI=true) its
 * absence is a failure; elsewhere these tests skip with the reason.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, findChromium, type Page } from "../support/chromium.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, bytes, expectS3Error, md5Hex, REGION } from "./helpers.js";
import { policyOf, sigV4Conditions, sigV4Fields } from "./post-forms.js";

const IN_CI = process.env.CI === "true";
const CHROMIUM = findChromium();
if (CHROMIUM.problem && !IN_CI) console.warn(`skipping the PostObject browser tests: ${CHROMIUM.problem}`);

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** A page with one upload form posting to `action`, its hidden fields in order, then the file input. */
function formPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>upload</title></head><body>
<form id="upload" action="${escapeHtml(action)}" method="post" enctype="multipart/form-data">
${inputs}
<input type="file" name="file" id="file">
<input type="submit" value="Upload">
</form></body></html>`;
}

describe("PostObject from an HTML form in headless Chromium", () => {
  it("has chromium (required under CI; elsewhere these tests skip without it)", (ctx) => {
    if (CHROMIUM.problem && !IN_CI) ctx.skip();
    expect(CHROMIUM.problem, "the browser tests need chromium").toBeUndefined();
  });

  describe.skipIf(CHROMIUM.path === undefined)("a page with an upload form", () => {
    let gw: RunningGateway;
    let s3: S3Client;
    let site: http.Server;
    let origin: string;
    let browser: Browser;
    let page: Page;
    /** what the site serves at /form */
    let pageHtml = "";
    const bucket = bucketName("post-browser");
    const data = bytes(200_000, 5);

    beforeAll(async () => {
      gw = await startGateway();
      s3 = gw.client();
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      site = http.createServer((req, res) => {
        if (req.url?.startsWith("/form")) res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(pageHtml);
        else res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<!doctype html><title>done</title><p>uploaded</p>");
      });
      await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
      origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
      browser = await Browser.launch(CHROMIUM.path!);
      page = await browser.newPage();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
      s3?.destroy();
      await gw?.stop();
    });

    /** A signed form for `bucket`: keys under browser/, redirect to the site's /done. */
    function signedFields(): Record<string, string> {
      const redirect = `${origin}/done`;
      const now = new Date();
      const probe = sigV4Fields("", gw.accessKeyId, gw.secretAccessKey, REGION, now);
      const policy = policyOf([{ bucket }, ["starts-with", "$key", "browser/"], { success_action_redirect: redirect }, ["starts-with", "$Content-Type", "application/"], ["content-length-range", 1, 1_000_000], ...sigV4Conditions(probe)]);
      return {
        key: "browser/${filename}",
        success_action_redirect: redirect,
        "Content-Type": "application/octet-stream",
        ...sigV4Fields(policy, gw.accessKeyId, gw.secretAccessKey, REGION, now),
        policy,
      };
    }

    /** Loads the form page, puts `data` in the file input as `filename`, submits, waits for the next page. */
    async function submit(fields: Record<string, string>, filename: string): Promise<void> {
      pageHtml = formPage(`${gw.endpoint}/${bucket}`, fields);
      await page.goto(`${origin}/form`);
      await page.evaluate(`(() => {
        const bytes = new Uint8Array(${JSON.stringify(data.toString("hex"))}.match(/../g).map((h) => parseInt(h, 16)));
        const files = new DataTransfer();
        files.items.add(new File([bytes], ${JSON.stringify(filename)}, { type: "application/octet-stream" }));
        document.getElementById("file").files = files.files;
        return true;
      })()`);
      await page.waitFor("Page.loadEventFired", () => page.evaluate(`(document.getElementById("upload").submit(), true)`));
    }

    it("uploads the file, and the browser follows the 303 to success_action_redirect", async () => {
      await submit(signedFields(), "photo.bin");
      const landed = new URL(await page.evaluate<string>("location.href"));
      expect(landed.origin + landed.pathname).toBe(`${origin}/done`);
      expect(Object.fromEntries(landed.searchParams)).toEqual({ bucket, key: "browser/photo.bin", etag: `"${md5Hex(data)}"` });
      const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "browser/photo.bin" }));
      expect(stored.ContentType).toBe("application/octet-stream");
      expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(data)).toBe(true);
    });

    it("refuses a form whose policy was changed after signing, and stores nothing", async () => {
      const fields = signedFields();
      // the same policy, widened to any key: the signature no longer matches
      const doc = JSON.parse(Buffer.from(fields.policy, "base64").toString()) as { conditions: unknown[] };
      doc.conditions[1] = ["starts-with", "$key", ""];
      fields.policy = Buffer.from(JSON.stringify(doc)).toString("base64");
      fields.key = "elsewhere/${filename}";
      await submit(fields, "tampered.bin");
      expect(await page.evaluate<string>("location.href")).toBe(`${gw.endpoint}/${bucket}`);
      expect(await page.evaluate<string | null>(`document.getElementsByTagName("Code")[0]?.textContent ?? null`)).toBe("SignatureDoesNotMatch");
      await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "elsewhere/tampered.bin" })), "NotFound", 404);
    });
  });
});
