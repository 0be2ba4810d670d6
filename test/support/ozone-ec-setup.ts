/**
 * vitest globalSetup of the "ozone-clusters" project: stops the EC tests' own Ozone cluster
 * (test/support/ozone-ec.ts) at the end of the run when this run started it, and purges it (its
 * replicas are of no use to the next run). The first suite starts it (startEcCluster), so a
 * run that leaves the project out never starts five datanodes. A cluster already up when the run
 * began (started by hand) is left running.
 */
import { ecCluster } from "./ozone-ec.js";

export default async function setup(): Promise<() => Promise<void>> {
  const wasUp = (await ecCluster("status")).code === 0;
  return async () => {
    if (wasUp) return;
    const down = await ecCluster("down", "--purge");
    if (down.code !== 0) throw new Error(`stopping the Ozone EC cluster failed (cluster.mjs down exited ${down.code}):\n${down.stdout}${down.stderr}`);
  };
}
