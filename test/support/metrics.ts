/**
 * Reading a test gateway's Prometheus metrics (the admin port's /metrics, text format).
 */
import type { RunningGateway } from "./server.js";

/** The /metrics text of `gw`; fails unless the admin port answers 200. */
export async function scrapeMetrics(gw: RunningGateway): Promise<string> {
  const res = await fetch(`${gw.adminEndpoint}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/**
 * The sum of the samples of metric `name` that carry every label given: `labels` as a record
 * ({ operation: "PutObject" }) or as text the label set contains (`operation="PutObject"`). 0 when
 * there is none.
 */
export function metricSum(text: string, name: string, labels: string | Readonly<Record<string, string>> = ""): number {
  const wanted = typeof labels === "string" ? [labels] : Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z0-9_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const set = m[2] ?? "";
    if (wanted.every((w) => set.includes(w))) sum += Number(m[3]);
  }
  return sum;
}

/** metricSum over a fresh scrape of `gw`. */
export async function metricOf(gw: RunningGateway, name: string, labels: string | Readonly<Record<string, string>> = ""): Promise<number> {
  return metricSum(await scrapeMetrics(gw), name, labels);
}
