/**
 * vitest globalSetup of the "ozone-clusters" project: stops the fault tests' own Ozone cluster
 * (test/support/ozone-faults.ts) at the end of the run when this run started it. The cluster is
 * started by the first fault suite (startFaultsCluster), not here: vitest runs every project's
 * globalSetup before the first test of any project, and the cluster project runs last.
 * The cluster this run started is purged too (`down --purge`): a run leaves ~5 GB of replicas
 * behind, and the next run starts from a clean state (its Maven classpaths come from the copy
 * kept in .ozone-classpaths/, scripts/ozone/maven.mjs). A cluster already up when the run began
 * (started by hand) is left running.
 */
import { faultsCluster } from "./ozone-faults.js";

export default async function setup(): Promise<() => Promise<void>> {
  const wasUp = (await faultsCluster("status")).code === 0;
  return async () => {
    if (wasUp) return;
    const down = await faultsCluster("down", "--purge");
    if (down.code !== 0) throw new Error(`stopping the Ozone fault cluster failed (cluster.mjs down exited ${down.code}):\n${down.stdout}${down.stderr}`);
  };
}
