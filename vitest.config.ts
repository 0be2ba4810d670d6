import { defineConfig } from "vitest/config";

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
        test: { name: "embedded", include: ["test/**/*.test.ts"], exclude: ["dist/**", "node_modules/**", "test/ozone/**"] },
      },
      {
        // The same S3 integration suites, with the gateway on a real Ozone cluster (started by
        // the globalSetup when it is not up), plus the Ozone-only suites.
        extends: true,
        test: {
          name: "ozone",
          include: ["test/ozone/**/*.test.ts", "test/integration/**/*.test.ts"],
          globalSetup: ["test/support/ozone-setup.ts"],
          env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", S3G_TEST_BACKEND: "ozone" },
        },
      },
    ],
  },
});
