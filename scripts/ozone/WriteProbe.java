// Readiness probe for scripts/ozone/cluster.mjs: "the cluster accepts writes".
//
// Run by cluster.mjs with Java's single-file source launcher against the jars of
// org.apache.ozone:ozone-client:2.2.0 (no build step):
//
//   java -cp <state>/conf:<ozone-client classpath> scripts/ozone/WriteProbe.java <seconds> <bucket>
//
// One attempt goes the way the TypeScript backend of issue 3 will go, so a green probe also
// says that path works on this cluster:
//   - OM over gRPC (ozone.om.transport.class = GrpcOmTransportFactory, set in ozone-site.xml),
//   - every request carries an S3Authentication (over gRPC there is no Hadoop IPC caller, so
//     GetS3VolumeContext and bucket/key requests would have no user without it),
//   - an OBJECT_STORE bucket in the s3v volume (the OM default layout would be FILE_SYSTEM_OPTIMIZED),
//   - a key written with STAND_ALONE/ONE (the Java client then writes over the datanode's gRPC
//     port, hdds.container.ipc.port), read back, compared, deleted; then the bucket is deleted.
// Attempts repeat until the deadline (SCM may still be leaving safe mode, the OM may not be the
// Ratis leader yet, the datanode may not have registered). The last stdout line is
// "OK ..." or "FAILED ..."; the exit code says the same.

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.UUID;

import org.apache.hadoop.hdds.client.ReplicationConfig;
import org.apache.hadoop.hdds.client.ReplicationFactor;
import org.apache.hadoop.hdds.client.ReplicationType;
import org.apache.hadoop.hdds.conf.OzoneConfiguration;
import org.apache.hadoop.ozone.client.BucketArgs;
import org.apache.hadoop.ozone.client.ObjectStore;
import org.apache.hadoop.ozone.client.OzoneBucket;
import org.apache.hadoop.ozone.client.OzoneClient;
import org.apache.hadoop.ozone.client.OzoneClientFactory;
import org.apache.hadoop.ozone.client.OzoneKeyDetails;
import org.apache.hadoop.ozone.client.OzoneVolume;
import org.apache.hadoop.ozone.om.exceptions.OMException;
import org.apache.hadoop.ozone.om.helpers.BucketLayout;
import org.apache.hadoop.ozone.om.protocol.S3Auth;

public final class WriteProbe {
  private static final String ACCESS_ID = "ozone-cluster-probe";

  public static void main(String[] args) throws InterruptedException {
    long deadline = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000_000L;
    String bucketName = args.length > 1 ? args[1] : "ozone-cluster-probe";
    OzoneConfiguration conf = new OzoneConfiguration();
    // Fail an attempt quickly; this loop does the retrying, within the caller's deadline.
    conf.setInt("ozone.client.failover.max.attempts", 3);
    // While the OM is not yet the Ratis leader it answers gRPC status INTERNAL with
    // OMNotLeaderException; the client's default wait between those retries is 2 s.
    conf.setLong("ozone.client.wait.between.retries.millis", 300);
    ReplicationConfig replication =
        ReplicationConfig.fromTypeAndFactor(ReplicationType.STAND_ALONE, ReplicationFactor.ONE);

    Throwable last = null;
    for (int attempt = 1; ; attempt++) {
      long started = System.nanoTime();
      try {
        String result = probeOnce(conf, bucketName, replication);
        System.out.println("OK " + result + " (attempt " + attempt + ", "
            + (System.nanoTime() - started) / 1_000_000 + " ms)");
        System.exit(0);
      } catch (Throwable e) {
        last = e;
        System.out.println("attempt " + attempt + " failed: " + oneLine(e));
      }
      if (System.nanoTime() + 1_000_000_000L > deadline) {
        break;
      }
      Thread.sleep(1000);
    }
    last.printStackTrace(System.out);
    System.out.println("FAILED " + oneLine(last));
    System.exit(1);
  }

  private static String probeOnce(OzoneConfiguration conf, String bucketName,
      ReplicationConfig replication) throws IOException {
    byte[] payload = ("ozone cluster write probe " + UUID.randomUUID())
        .getBytes(StandardCharsets.UTF_8);
    try (OzoneClient client = OzoneClientFactory.getRpcClient(conf)) {
      ObjectStore store = client.getObjectStore();
      // Security is off, so the OM checks no signature; it only takes the user from accessId.
      store.getClientProxy().setThreadLocalS3Auth(new S3Auth("", "", ACCESS_ID, ACCESS_ID));
      OzoneVolume volume = store.getS3Volume();
      try {
        volume.createBucket(bucketName,
            BucketArgs.newBuilder().setBucketLayout(BucketLayout.OBJECT_STORE).build());
      } catch (OMException e) {
        if (e.getResult() != OMException.ResultCodes.BUCKET_ALREADY_EXISTS) {
          throw e;
        }
      }
      OzoneBucket bucket = volume.getBucket(bucketName);
      String key = "probe-" + UUID.randomUUID();
      try (OutputStream out =
          bucket.createKey(key, payload.length, replication, Collections.emptyMap())) {
        out.write(payload);
      }
      byte[] readBack;
      try (InputStream in = bucket.readKey(key)) {
        readBack = in.readAllBytes();
      }
      if (!Arrays.equals(payload, readBack)) {
        throw new IOException("read back " + readBack.length + " bytes that differ from the "
            + payload.length + " written");
      }
      OzoneKeyDetails details = bucket.getKey(key);
      bucket.deleteKey(key);
      volume.deleteBucket(bucketName);
      return "wrote and read back " + payload.length + " bytes as " + volume.getName() + "/"
          + bucketName + "/" + key + " (" + details.getReplicationConfig().configFormat()
          + ", layout " + bucket.getBucketLayout() + ")";
    }
  }

  private static String oneLine(Throwable e) {
    String s = e.toString();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl) + " ...";
  }
}
