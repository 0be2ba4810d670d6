/**
 * The fault suites (issue 8) as one test file, in this order, on the fault cluster
 * (test/support/ozone-faults.ts): they stop its datanodes and its OM, so they must never run side
 * by side. One file runs its suites one after another, while the "ozone-clusters" project runs this
 * file beside the EC cluster's (test/ozone-ec-cluster/ec.test.ts) on its two workers: each file
 * spends much of its time waiting for JVMs (a datanode restarting, the OM away for a minute), and
 * the two together took ~240 s on this 2-core machine against ~360 s one after the other.
 */
import "./datanode.suite.js";
import "./om.suite.js";
