// Hadoop's S3A filesystem against a running gateway, for test/cli/java-sdk.test.ts:
// `java -cp <classpath> Scenario.java <endpoint> <access key> <secret> <bucket> [ozone]`.
// Each step prints "ok <name>" or "FAIL <name>: <why>" (a wrong answer is a failure, not only an
// exception); the exit status is 1 when any step failed. S3A maps a filesystem onto keys: it probes
// a path with HEAD and a delimited LIST, keeps directory markers ("dir/" objects) and removes them
// as files appear, uploads in blocks (multipart past fs.s3a.multipart.threshold), reads with ranged
// GETs it reopens on seeks, renames by copying (UploadPartCopy for large files) and deleting, and
// deletes in bulk (DeleteObjects). The bucket is made with the AWS SDK for Java v2 S3A runs on.
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

public class Scenario {
  interface Step {
    void run() throws Exception;
  }

  static int failed = 0;

  static void step(String name, Step body) {
    try {
      body.run();
      System.out.println("ok " + name);
    } catch (Throwable e) {
      failed++;
      System.out.println("FAIL " + name + ": " + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replace('\n', ' '));
    }
  }

  static void eq(Object actual, Object expected) {
    if (!Objects.equals(actual, expected)) throw new AssertionError("expected <" + expected + "> but was <" + actual + ">");
  }

  static List<String> tree(FileSystem fs, Path root) throws Exception {
    List<String> paths = new ArrayList<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
    while (it.hasNext()) {
      LocatedFileStatus s = it.next();
      paths.add(s.getPath().toUri().getPath() + " " + s.getLen());
    }
    paths.sort(null);
    return paths;
  }

  public static void main(String[] args) throws Exception {
    String endpoint = args[0];
    String bucket = args[3];
    try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(args[1], args[2]))).build()) {
      s3.createBucket(b -> b.bucket(bucket));
    }
    Configuration conf = new Configuration();
    conf.set("fs.s3a.endpoint", endpoint);
    conf.set("fs.s3a.endpoint.region", "us-east-1");
    conf.set("fs.s3a.path.style.access", "true");
    conf.set("fs.s3a.connection.ssl.enabled", "false");
    conf.set("fs.s3a.access.key", args[1]);
    conf.set("fs.s3a.secret.key", args[2]);
    conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    conf.set("fs.s3a.multipart.size", "5M");
    conf.set("fs.s3a.multipart.threshold", "5M");
    java.nio.file.Path bufferDir = Files.createTempDirectory("s3a-buffer");
    conf.set("fs.s3a.buffer.dir", bufferDir.toString());
    // a failure is a failure: no retries to hide it behind
    conf.set("fs.s3a.attempts.maximum", "1");
    conf.set("fs.s3a.retry.limit", "1");
    FileSystem fs = FileSystem.get(URI.create("s3a://" + bucket + "/"), conf);
    byte[] big = new byte[12 * 1024 * 1024 + 3];
    new Random(3).nextBytes(big);
    Path in = new Path("/warehouse/in");

    step("mkdirs, and an empty directory is a directory", () -> {
      eq(fs.mkdirs(in), true);
      eq(fs.getFileStatus(in).isDirectory(), true);
      eq(fs.listStatus(in).length, 0);
    });

    step("create a small file and a 12 MiB one (multipart in 5 MiB blocks), listStatus", () -> {
      try (FSDataOutputStream out = fs.create(new Path(in, "small.txt"))) {
        out.write("hello from S3A".getBytes(StandardCharsets.UTF_8));
      }
      try (FSDataOutputStream out = fs.create(new Path(in, "part-00000.bin"))) {
        out.write(big);
      }
      List<String> listed = new ArrayList<>();
      for (FileStatus s : fs.listStatus(in)) listed.add(s.getPath().getName() + " " + s.getLen() + " " + s.isFile());
      listed.sort(null);
      eq(listed, List.of("part-00000.bin " + big.length + " true", "small.txt 14 true"));
      eq(fs.getFileStatus(in).isDirectory(), true);
    });

    step("open, seek and readFully across block boundaries; the whole file byte for byte", () -> {
      try (FSDataInputStream stream = fs.open(new Path(in, "part-00000.bin"))) {
        byte[] b = new byte[4096];
        for (long at : new long[] {5 * 1024 * 1024 - 100, 17, 11 * 1024 * 1024}) {
          stream.readFully(at, b);
          eq(Arrays.equals(b, Arrays.copyOfRange(big, (int) at, (int) at + b.length)), true);
        }
        stream.seek(0);
        byte[] all = new byte[big.length];
        stream.readFully(all);
        eq(Arrays.equals(all, big), true);
      }
    });

    step("rename a directory (copy and delete of each file), and globStatus", () -> {
      Path out = new Path("/warehouse/out");
      eq(fs.rename(in, out), true);
      eq(fs.exists(in), false);
      eq(tree(fs, new Path("/warehouse")), List.of("/warehouse/out/part-00000.bin " + big.length, "/warehouse/out/small.txt 14"));
      eq(fs.globStatus(new Path("/warehouse/*/part-*")).length, 1);
    });

    step("copyFromLocalFile and copyToLocalFile", () -> {
      File local = File.createTempFile("s3a", ".txt");
      File back = File.createTempFile("s3a", ".back");
      try {
        Files.writeString(local.toPath(), "local bytes");
        fs.copyFromLocalFile(new Path(local.getPath()), new Path("/warehouse/out/local.txt"));
        back.delete();
        fs.copyToLocalFile(new Path("/warehouse/out/local.txt"), new Path(back.getPath()));
        eq(Files.readString(back.toPath()), "local bytes");
      } finally {
        local.delete();
        back.delete();
        // the local file system's checksum of the copy, written beside it
        new File(back.getParentFile(), "." + back.getName() + ".crc").delete();
      }
    });

    step("delete a tree recursively: nothing left under it", () -> {
      eq(fs.delete(new Path("/warehouse"), true), true);
      eq(fs.exists(new Path("/warehouse/out/small.txt")), false);
      eq(fs.listStatus(new Path("/")).length, 0);
    });

    fs.close();
    // what S3A buffered was deleted as each block went up; the directory is left
    try (var left = Files.walk(bufferDir)) {
      left.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    System.exit(failed == 0 ? 0 : 1);
  }
}
