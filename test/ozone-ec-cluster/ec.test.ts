/**
 * The EC suites (issue 13) as one test file, in this order, on the EC tests' own cluster
 * (test/support/ozone-ec.ts): they stop its datanodes, so they must never run side by side; the
 * "ozone-clusters" project runs this file beside the fault suites' (test/ozone-faults/faults.test.ts).
 */
import "./ec-write.suite.js";
import "./ec-read.suite.js";
import "./contract.suite.js";
