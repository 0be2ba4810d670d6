/**
 * bench/ozone.ts's cluster: started (or found running) with scripts/ozone/cluster.mjs, and read
 * from its cluster.json and ozone-site.xml.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { alive } from "./ozone-watch.js";

export interface Cluster {
  omAddress: string;
  s3g: URL;
  s3gPid: number;
  s3gAdminPort?: number;
  heap?: string;
  pids: Record<string, number>;
  ozoneSite?: string;
  logs?: string;
  omWebPort?: number;
}

/**
 * `cluster.mjs up --s3g --datanodes N --dir DIR` run from the project `root`: its stdout's last
 * line is the OM gRPC address, the one before "S3G <url>".
 */
export function clusterUp(root: string, dir: string, datanodes: number): Promise<Cluster> {
  const clusterJson = path.join(dir, "cluster.json");
  return new Promise((resolve, reject) => {
    const args = [path.join(root, "scripts/ozone/cluster.mjs"), "up", "--s3g", "--datanodes", String(datanodes), "--dir", dir];
    const proc = execFile(process.execPath, args, { cwd: root, timeout: 15 * 60_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) {
        reject(new Error(`cluster.mjs up --s3g --datanodes ${datanodes} failed: ${err.message}`));
        return;
      }
      const lines = stdout.trim().split("\n");
      const omAddress = lines[lines.length - 1]?.trim();
      const s3g = /^S3G (http:\/\/\S+)$/.exec(lines[lines.length - 2]?.trim() ?? "")?.[1];
      if (!omAddress || !/^[^\s:]+:\d+$/.test(omAddress) || s3g === undefined) {
        reject(new Error(`cannot read the OM address and S3G URL from cluster.mjs's output:\n${stdout}`));
        return;
      }
      const state = JSON.parse(readFileSync(clusterJson, "utf8")) as {
        pids?: Record<string, number>;
        heap?: string;
        ports?: Record<string, number>;
        paths?: { ozoneSite?: string; logs?: string };
      };
      const s3gPid = state.pids?.s3g;
      if (!s3gPid || !alive(s3gPid)) {
        reject(new Error(`${clusterJson} has no live pids.s3g`));
        return;
      }
      resolve({
        omAddress,
        s3g: new URL(s3g),
        s3gPid,
        s3gAdminPort: state.ports?.s3gAdminHttp,
        omWebPort: state.ports?.omHttp,
        heap: state.heap,
        pids: state.pids ?? {},
        ozoneSite: state.paths?.ozoneSite,
        logs: state.paths?.logs,
      });
    });
    // Its progress (only when a step is slow) goes to our stderr.
    proc.stderr?.pipe(process.stderr);
  });
}

/** A property of a Hadoop XML config file, by a plain scan (the file is cluster.mjs's own). */
export function siteProperty(xml: string, name: string): string | undefined {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`<name>${esc}</name>\\s*<value>([^<]*)</value>`).exec(xml)?.[1];
}
