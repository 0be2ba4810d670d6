import { defineConfig } from "vitest/config";

// S3G_TEST_OZONE=0 leaves the Ozone project out (a machine without Java and Maven); never in CI.
if (process.env.S3G_TEST_OZONE === "0" && process.env.CI) throw new Error("S3G_TEST_OZONE=0 is not allowed under CI: the Ozone suites must run");
const withOzone = process.env.S3G_TEST_OZONE !== "0";
// S3G_TEST_CLIENT_SUITES=0 leaves out the suites of other programs as clients (npm run test:node24:
// they vary the client, not the server's Node).
const clientSuites = process.env.S3G_TEST_CLIENT_SUITES === "0" ? ["test/cli/{aws-cli,java-sdk,restic,rclone,s3cmd,s5cmd,boto3-sigv2}.test.ts"] : [];

export default defineConfig({
  test: {
    exclude: ["dist/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores: integration suites each start a gateway process; two at a time keeps them honest.
    maxWorkers: 2,
    // The AWS SDK warns on every worker that its 2027 releases will need Node 22; it says nothing
    // about the tests.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      {
        extends: true,
        test: { name: "embedded", include: ["test/**/*.test.ts"], exclude: ["dist/**", "node_modules/**", "test/ozone/**", "test/ozone-faults/**", "test/ozone-ec-cluster/**", ...clientSuites] },
      },
      ...(withOzone ? [{
        // The same S3 integration suites, with the gateway on a real Ozone cluster (started by
        // the globalSetup when it is not up), plus the Ozone-only suites.
        extends: true as const,
        test: {
          name: "ozone",
          include: ["test/ozone/**/*.test.ts", "test/integration/**/*.test.ts", "test/cli/aws-cli.test.ts", "test/cli/java-sdk.test.ts", "test/cli/restic.test.ts", "test/cli/s5cmd.test.ts"],
          globalSetup: ["test/support/ozone-setup.ts"],
          // The cluster's JVMs (SCM, OM, three datanodes, Java's gateway) share the machine's cores
          // with the tests: a RATIS/THREE write goes through three Raft peers, and a suite that
          // runs 60 s on a quiet machine can take twice that on a busy one. A hang still fails.
          testTimeout: 180_000,
          env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", S3G_TEST_BACKEND: "ozone" },
        },
      }, {
        // Two Ozone clusters of their own, after the other projects (groupOrder), each cluster's
        // suites in one file that runs them one after another (they stop its datanodes and OM),
        // the two files side by side (a core each: both wait for JVMs much of the time).
        // test/ozone-faults/faults.test.ts: datanodes and the OM stopped under load (issue 8), on
        // 4 datanodes with seconds-long SCM node timings (test/support/ozone-faults.ts).
        // test/ozone-ec-cluster/ec.test.ts: EC keys written by Ozone's own client read through
        // the gateway, and keys the gateway writes EC read by Ozone's client and Java gateway,
        // with datanodes stopped; the storage contract with every class EC (issue 13); on five
        // datanodes and Ozone's Java gateway (test/support/ozone-ec.ts).
        // Each cluster is started by its first suite and stopped by its globalSetup at the end.
        extends: true as const,
        test: {
          name: "ozone-clusters",
          include: ["test/ozone-faults/faults.test.ts", "test/ozone-ec-cluster/ec.test.ts"],
          globalSetup: ["test/support/ozone-faults-setup.ts", "test/support/ozone-ec-setup.ts"],
          sequence: { groupOrder: 1 },
          // a suite's beforeAll starts its cluster (cluster.mjs up --timeout 400 and 500, plus
          // Maven resolving its classpaths on a clean clone; one cluster starts at a time)
          hookTimeout: 600_000,
          testTimeout: 420_000,
        },
      }] : []),
    ],
  },
});
