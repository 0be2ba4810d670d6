/**
 * boto3 signing with AWS Signature Version 2 (`Config(signature_version="s3")`, botocore's
 * HmacV1Auth) against the real gateway process: bucket and object round trips, listings, a
 * multipart upload, sub-resources in the signed resource (?uploads, ?uploadId, ?partNumber, ?delete,
 * ?location, response-* overrides, ?tagging), unicode keys and x-amz-meta-* headers, and a SigV2 presigned
 * URL (botocore's HmacV1QueryAuth) fetched with urllib. With `s3.signatureV2` off the same client
 * gets S3's SigV4-only answer. Last, boto3 at its default SigV4 with a Date header on the request:
 * botocore then dates the signature by that header (in Python's RFC 2822 form, "... -0000") and
 * signs its time in ISO 8601 form, as AWS's SigV4 test suite does.
 *
 * Needs python3 with boto3. Under CI (CI=true) its absence is a failure; elsewhere the scenario is
 * skipped with a message, as test/cli/aws-cli.test.ts does for the AWS CLI.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";

const IN_CI = process.env.CI === "true";

function findBoto3(): { python?: string; problem?: string } {
  const r = spawnSync("python3", ["-c", "import boto3; print(boto3.__version__)"], { encoding: "utf8", timeout: 30_000 });
  if (r.error) return { problem: `python3 is not runnable: ${r.error.message}` };
  if (r.status !== 0) return { problem: `python3 has no boto3: ${(r.stderr || "").trim().split("\n").pop()}` };
  return { python: "python3" };
}

const BOTO3 = findBoto3();
if (BOTO3.problem && !IN_CI) console.warn(`skipping the boto3 SigV2 scenario: ${BOTO3.problem}`);

/**
 * The scenario, in Python. Each step appends [name, value] to `out`, printed as JSON at the end; a
 * botocore ClientError is reported as {"error": code, "status": n} so that the test can say which
 * step failed and how. Every request's Authorization header is recorded to prove it was SigV2.
 */
const SCENARIO = String.raw`
import json, os, sys, urllib.request, urllib.error, hashlib
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

STYLE = os.environ.get("ADDRESSING", "path")
if STYLE == "virtual":
    # <bucket>.s3.test resolves nowhere: every connection goes to the gateway, with the Host header
    # the client built (urllib3 for boto3, http.client for urllib).
    import socket, urllib3.util.connection as u3
    port = int(os.environ["ENDPOINT"].rsplit(":", 1)[1])
    u3_create, sock_create = u3.create_connection, socket.create_connection
    u3.create_connection = lambda address, *a, **kw: u3_create(("127.0.0.1", port), *a, **kw)
    socket.create_connection = lambda address, *a, **kw: sock_create(("127.0.0.1", port), *a, **kw)
ENDPOINT = os.environ["ENDPOINT"] if STYLE == "path" else "http://s3.test:" + os.environ["ENDPOINT"].rsplit(":", 1)[1]
s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1",
                  aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                  config=Config(signature_version="s3", s3={"addressing_style": STYLE}, retries={"max_attempts": 1}))
hosts = set()
s3.meta.events.register("before-send.s3", lambda request, **kw: hosts.add(request.url.split("/")[2].split(":")[0]))
schemes = set()
s3.meta.events.register("before-send.s3", lambda request, **kw: schemes.add(request.headers.get("Authorization", b"").split(b" ")[0].decode() if isinstance(request.headers.get("Authorization"), bytes) else str(request.headers.get("Authorization", "")).split(" ")[0]))
out = []
def step(name, fn):
    try:
        out.append([name, fn()])
    except ClientError as e:
        out.append([name, {"error": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}])
    except urllib.error.HTTPError as e:
        out.append([name, {"status": e.code, "body": e.read().decode("utf-8", "replace")}])

B = os.environ["BUCKET"]
K = "dir/ünï cødé + plus&amp.txt"
body = b"hello sigv2 " * 1000
step("create_bucket", lambda: s3.create_bucket(Bucket=B)["ResponseMetadata"]["HTTPStatusCode"])
if os.environ.get("ONLY_FIRST"):
    print(json.dumps({"steps": out, "schemes": sorted(schemes), "hosts": sorted(hosts)})); sys.exit(0)
step("put_object", lambda: s3.put_object(Bucket=B, Key=K, Body=body, ContentType="text/plain; charset=utf-8",
                                          Metadata={"reviewed-by": "joe", "note": "two  spaces"})["ETag"])
step("get_object", lambda: hashlib.md5(s3.get_object(Bucket=B, Key=K)["Body"].read()).hexdigest())
step("get_object_override", lambda: s3.get_object(Bucket=B, Key=K, ResponseContentType="application/x-test",
                                                  ResponseContentDisposition='attachment; filename="a b.txt"')["ResponseMetadata"]["HTTPHeaders"].get("content-type"))
step("head_object", lambda: (lambda h: [h["ContentLength"], h["Metadata"]])(s3.head_object(Bucket=B, Key=K)))
step("list_objects_v2", lambda: [o["Key"] for o in s3.list_objects_v2(Bucket=B, Prefix="dir/").get("Contents", [])])
step("list_objects", lambda: [o["Prefix"] for o in s3.list_objects(Bucket=B, Delimiter="/").get("CommonPrefixes", [])])
step("list_buckets", lambda: B in [b["Name"] for b in s3.list_buckets()["Buckets"]])
step("put_object_tagging", lambda: s3.put_object_tagging(Bucket=B, Key=K, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})["ResponseMetadata"]["HTTPStatusCode"])
step("get_object_tagging", lambda: s3.get_object_tagging(Bucket=B, Key=K)["TagSet"])
step("get_bucket_location", lambda: s3.get_bucket_location(Bucket=B)["ResponseMetadata"]["HTTPStatusCode"])

part1 = b"a" * (5 * 1024 * 1024)
part2 = b"b" * 1234
def multipart():
    up = s3.create_multipart_upload(Bucket=B, Key="mp/big.bin")["UploadId"]
    e1 = s3.upload_part(Bucket=B, Key="mp/big.bin", UploadId=up, PartNumber=1, Body=part1)["ETag"]
    e2 = s3.upload_part(Bucket=B, Key="mp/big.bin", UploadId=up, PartNumber=2, Body=part2)["ETag"]
    parts = [p["PartNumber"] for p in s3.list_parts(Bucket=B, Key="mp/big.bin", UploadId=up)["Parts"]]
    s3.complete_multipart_upload(Bucket=B, Key="mp/big.bin", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    got = s3.get_object(Bucket=B, Key="mp/big.bin")["Body"].read()
    return [parts, len(got), got == part1 + part2]
step("multipart", multipart)
def aborted():
    up = s3.create_multipart_upload(Bucket=B, Key="mp/aborted.bin")["UploadId"]
    s3.abort_multipart_upload(Bucket=B, Key="mp/aborted.bin", UploadId=up)
    return len(s3.list_multipart_uploads(Bucket=B).get("Uploads", []))
step("abort_multipart", aborted)

def presigned():
    url = s3.generate_presigned_url("get_object", Params={"Bucket": B, "Key": K}, ExpiresIn=300)
    with urllib.request.urlopen(url) as r:
        return ["AWSAccessKeyId=" in url and "X-Amz-" not in url, r.status, hashlib.md5(r.read()).hexdigest()]
step("presigned_get", presigned)
def presigned_override():
    url = s3.generate_presigned_url("get_object", Params={"Bucket": B, "Key": K, "ResponseContentType": "application/x-presigned",
                                                          "ResponseContentDisposition": "attachment; filename=\"a+b c.txt\""}, ExpiresIn=300)
    with urllib.request.urlopen(url) as r:
        return [r.headers["Content-Type"], r.headers["Content-Disposition"]]
step("presigned_get_override", presigned_override)
def presigned_put():
    url = s3.generate_presigned_url("put_object", Params={"Bucket": B, "Key": "presigned-put.txt", "ContentType": "text/plain"}, ExpiresIn=300)
    req = urllib.request.Request(url, data=b"put through a SigV2 URL", method="PUT", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req) as r:
        status = r.status
    return [status, s3.get_object(Bucket=B, Key="presigned-put.txt")["Body"].read().decode()]
step("presigned_put", presigned_put)

step("delete_object", lambda: s3.delete_object(Bucket=B, Key=K)["ResponseMetadata"]["HTTPStatusCode"])
step("delete_objects", lambda: sorted(d["Key"] for d in s3.delete_objects(Bucket=B, Delete={"Objects": [{"Key": "mp/big.bin"}, {"Key": "presigned-put.txt"}]})["Deleted"]))
step("head_deleted", lambda: s3.head_object(Bucket=B, Key=K)["ContentLength"])
step("delete_bucket", lambda: s3.delete_bucket(Bucket=B)["ResponseMetadata"]["HTTPStatusCode"])

bad = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1",
                   aws_access_key_id=os.environ["AKID"], aws_secret_access_key="not-the-secret",
                   config=Config(signature_version="s3", s3={"addressing_style": STYLE}, retries={"max_attempts": 1}))
step("wrong_secret", lambda: bad.list_buckets()["ResponseMetadata"]["HTTPStatusCode"])
print(json.dumps({"steps": out, "schemes": sorted(schemes), "hosts": sorted(hosts)}))
`;

interface ScenarioResult {
  steps: Record<string, unknown>;
  schemes: string[];
  /** the hosts boto3 sent requests to */
  hosts: string[];
}

function runScenario(gw: RunningGateway, bucket: string, extraEnv: Record<string, string> = {}): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      ENDPOINT: gw.endpoint,
      AKID: gw.accessKeyId,
      SECRET: gw.secretAccessKey,
      BUCKET: bucket,
      // a developer's ~/.aws and AWS_* settings must not change what is tested
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      ...extraEnv,
    };
    execFile(BOTO3.python!, ["-c", SCENARIO], { env, encoding: "utf8", maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`python3 failed: ${err.message}\n${stderr}\ngateway: ${gw.output()}`));
      const parsed = JSON.parse(stdout) as { steps: [string, unknown][]; schemes: string[]; hosts: string[] };
      resolve({ steps: Object.fromEntries(parsed.steps), schemes: parsed.schemes, hosts: parsed.hosts });
    });
  });
}

describe("boto3 with signature_version='s3' (SigV2) against the gateway process", () => {
  it("has python3 with boto3 (required under CI; elsewhere the scenario skips without it)", (ctx) => {
    if (BOTO3.problem && !IN_CI) ctx.skip();
    expect(BOTO3.problem, "the boto3 scenario needs python3 with boto3").toBeUndefined();
  });

  describe.skipIf(BOTO3.problem !== undefined)("scenario", () => {
    let gw: RunningGateway;
    beforeAll(async () => {
      gw = await startGateway();
    });
    afterAll(async () => {
      await gw?.stop();
    });

    function expectAllVerified(r: ScenarioResult) {
      // every request was signed with SigV2 ("AWS AKID:sig") or presigned (no header)
      expect(r.schemes.filter((s) => s !== "")).toEqual(["AWS"]);
      const md5 = createHash("md5").update(Buffer.from("hello sigv2 ".repeat(1000))).digest("hex");
      expect(r.steps).toEqual({
        create_bucket: 200,
        put_object: `"${md5}"`,
        get_object: md5,
        get_object_override: "application/x-test",
        head_object: [12000, { "reviewed-by": "joe", note: "two  spaces" }],
        list_objects_v2: ["dir/ünï cødé + plus&amp.txt"],
        list_objects: ["dir/"],
        list_buckets: true,
        // the signature covers the "?tagging" sub-resource (SigV2's canonicalized resource)
        put_object_tagging: 200,
        get_object_tagging: [{ Key: "k", Value: "v" }],
        get_bucket_location: 200,
        multipart: [[1, 2], 5 * 1024 * 1024 + 1234, true],
        abort_multipart: 0,
        presigned_get: [true, 200, md5],
        presigned_get_override: ["application/x-presigned", 'attachment; filename="a+b c.txt"'],
        presigned_put: [200, "put through a SigV2 URL"],
        delete_object: 204,
        delete_objects: ["mp/big.bin", "presigned-put.txt"],
        head_deleted: { error: "404", status: 404 },
        delete_bucket: 204,
        wrong_secret: { error: "SignatureDoesNotMatch", status: 403 },
      });
    }

    it("PUT/GET/HEAD/LIST/DELETE, tagging, multipart and presigned URLs all verify (path-style)", async () => {
      const r = await runScenario(gw, "boto3-sigv2");
      expect(r.hosts).toEqual(["127.0.0.1"]);
      expectAllVerified(r);
    }, 180_000);

    it("the same virtual-hosted-style: the bucket named by the Host header is signed", async () => {
      const vh = await startGateway({ env: { S3G_DOMAIN: "s3.test" } });
      try {
        const r = await runScenario(vh, "boto3-sigv2-vh", { ADDRESSING: "virtual" });
        expect(r.hosts).toEqual(["boto3-sigv2-vh.s3.test", "s3.test"]);
        expectAllVerified(r);
      } finally {
        await vh.stop();
      }
    }, 180_000);

    it("with s3.signatureV2 off, a SigV2 request gets the SigV4-only answer (400 InvalidRequest)", async () => {
      const v4only = await startGateway({ env: { S3G_SIGNATURE_V2: "false" } });
      try {
        const r = await runScenario(v4only, "boto3-sigv2-off", { ONLY_FIRST: "1" });
        expect(r.steps).toEqual({ create_bucket: { error: "InvalidRequest", status: 400 } });
      } finally {
        await v4only.stop();
      }
    }, 60_000);
  });
});

/** PUT and GET with a Date header, which botocore's SigV4 signer then dates the request by. */
const DATED = String.raw`
import json, os
from email.utils import formatdate
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1",
                  aws_access_key_id=os.environ["AKID"], aws_secret_access_key=os.environ["SECRET"],
                  config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
sent = []
def dated(params, **kw):
    params["headers"]["Date"] = formatdate(usegmt=True)
def record(request, **kw):
    h = request.headers
    text = lambda v: v.decode() if isinstance(v, bytes) else v
    sent.append([text(h.get("Authorization", "")).split(" ")[0], text(h.get("Date")), "X-Amz-Date" in h])
s3.meta.events.register("before-call.s3.PutObject", dated)
s3.meta.events.register("before-call.s3.GetObject", dated)
s3.meta.events.register("before-send.s3", record)
B = os.environ["BUCKET"]
out = {}
try:
    s3.create_bucket(Bucket=B)
    out["put"] = s3.put_object(Bucket=B, Key="dated", Body=b"dated by its Date header")["ResponseMetadata"]["HTTPStatusCode"]
    out["get"] = s3.get_object(Bucket=B, Key="dated")["Body"].read().decode()
except ClientError as e:
    out["error"] = [e.response["Error"]["Code"], e.response["Error"].get("Message")]
print(json.dumps({"out": out, "sent": sent}))
`;

describe.skipIf(BOTO3.problem !== undefined)("boto3 at its default SigV4, with a Date header on the request", () => {
  it("signs by the Date header (no X-Amz-Date, RFC 2822 form): the gateway verifies it", async () => {
    const gw = await startGateway();
    try {
      const stdout = await new Promise<string>((resolve, reject) => {
        const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ENDPOINT: gw.endpoint, AKID: gw.accessKeyId, SECRET: gw.secretAccessKey, BUCKET: "boto3-dated", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
        execFile(BOTO3.python!, ["-c", DATED], { env, encoding: "utf8", timeout: 60_000 }, (err, out, stderr) => (err ? reject(new Error(`python3 failed: ${err.message}\n${stderr}`)) : resolve(out)));
      });
      const r = JSON.parse(stdout) as { out: Record<string, unknown>; sent: [string, string | null, boolean][] };
      expect(r.out).toEqual({ put: 200, get: "dated by its Date header" });
      // what went out for the PUT and the GET: SigV4, a Date header in email.utils' form, no X-Amz-Date
      const dated = r.sent.slice(1);
      expect(dated).toHaveLength(2);
      for (const [scheme, date, amzDate] of dated) {
        expect(scheme).toBe("AWS4-HMAC-SHA256");
        expect(date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [-+]\d{4}$/);
        expect(amzDate).toBe(false);
      }
    } finally {
      await gw.stop();
    }
  }, 60_000);
});
