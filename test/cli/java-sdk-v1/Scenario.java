// The AWS SDK for Java v1 at its default settings against a running gateway, for
// test/cli/java-sdk.test.ts: `java -cp <classpath> Scenario.java <endpoint> <access key> <secret> <bucket> [ozone]`
// (with `ozone`, the steps the Ozone backend answers 501 to are left out: versioning, lifecycle and CORS).
// Each step prints "ok <name>" or "FAIL <name>: <why>" (a wrong answer is a failure, not only an
// exception); the exit status is 1 when any step failed. The v1 SDK has ways of its own: over plain
// HTTP it signs every chunk of a PutObject or UploadPart body (aws-chunked, no trailer); it sends a
// Content-MD5 with uploads and checks the ETag it gets back against the MD5 it computed, and checks
// the MD5 of what it downloads against the ETag; doesBucketExistV2 asks for the bucket's ACL; its
// ListObjects asks for url-encoded keys and decodes them; it sends PutBucketVersioning without a
// Content-MD5; TransferManager uploads parts in parallel.
import com.amazonaws.HttpMethod;
import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder.EndpointConfiguration;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.amazonaws.services.s3.model.*;
import com.amazonaws.services.s3.transfer.Download;
import com.amazonaws.services.s3.transfer.TransferManager;
import com.amazonaws.services.s3.transfer.TransferManagerBuilder;
import com.amazonaws.services.s3.transfer.Upload;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

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

  static String md5(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
  }

  static byte[] read(S3Object o) throws Exception {
    try (var in = o.getObjectContent()) {
      return in.readAllBytes();
    }
  }

  static int status(Throwable e) {
    return e instanceof AmazonS3Exception s ? s.getStatusCode() : -1;
  }

  public static void main(String[] args) throws Exception {
    String endpoint = args[0];
    String bucket = args[3];
    boolean ozone = args.length > 4 && args[4].equals("ozone");
    AmazonS3 s3 = AmazonS3ClientBuilder.standard()
        .withEndpointConfiguration(new EndpointConfiguration(endpoint, "us-east-1"))
        .withPathStyleAccessEnabled(true)
        .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials(args[1], args[2])))
        .build();
    Random random = new Random(7);

    step("createBucket, doesBucketExistV2", () -> {
      s3.createBucket(bucket);
      eq(s3.doesBucketExistV2(bucket), true);
      eq(s3.doesBucketExistV2(bucket + "-missing"), false);
      eq(s3.listBuckets().stream().anyMatch(b -> b.getName().equals(bucket)), true);
    });

    step("putObject with metadata, the ETag checked against the MD5, getObjectMetadata", () -> {
      byte[] body = "hello from the v1 SDK".getBytes(StandardCharsets.UTF_8);
      ObjectMetadata meta = new ObjectMetadata();
      meta.setContentLength(body.length);
      meta.setContentType("text/plain");
      meta.setCacheControl("no-cache");
      meta.addUserMetadata("colour", "blue");
      PutObjectResult put = s3.putObject(bucket, "dir/hello.txt", new ByteArrayInputStream(body), meta);
      eq(put.getETag(), md5(body));
      ObjectMetadata head = s3.getObjectMetadata(bucket, "dir/hello.txt");
      eq(head.getContentLength(), (long) body.length);
      eq(head.getContentType(), "text/plain");
      eq(head.getCacheControl(), "no-cache");
      eq(head.getUserMetaDataOf("colour"), "blue");
      eq(head.getETag(), md5(body));
    });

    byte[] big = new byte[12 * 1024 * 1024 + 5];
    random.nextBytes(big);

    step("putObject of 12 MiB in signed chunks, read back whole (MD5 checked by the SDK) and by range", () -> {
      ObjectMetadata meta = new ObjectMetadata();
      meta.setContentLength(big.length);
      s3.putObject(bucket, "big.bin", new ByteArrayInputStream(big), meta);
      eq(md5(read(s3.getObject(bucket, "big.bin"))), md5(big));
      byte[] range = read(s3.getObject(new GetObjectRequest(bucket, "big.bin").withRange(1000, 1999)));
      eq(Arrays.equals(range, Arrays.copyOfRange(big, 1000, 2000)), true);
    });

    step("TransferManager: an upload in 5 MiB parts sent in parallel, and a download", () -> {
      File up = File.createTempFile("s3gw-v1", ".bin");
      File down = File.createTempFile("s3gw-v1", ".back");
      try {
        Files.write(up.toPath(), big);
        TransferManager tm = TransferManagerBuilder.standard().withS3Client(s3).withMultipartUploadThreshold(5L * 1024 * 1024).withMinimumUploadPartSize(5L * 1024 * 1024).build();
        try {
          Upload upload = tm.upload(bucket, "tm/big.bin", up);
          String etag = upload.waitForUploadResult().getETag();
          if (!etag.endsWith("-3")) throw new AssertionError("a multipart ETag of 3 parts, got " + etag);
          Download download = tm.download(bucket, "tm/big.bin", down);
          download.waitForCompletion();
          eq(md5(Files.readAllBytes(down.toPath())), md5(big));
        } finally {
          tm.shutdownNow(false);
        }
      } finally {
        up.delete();
        down.delete();
      }
    });

    List<String> awkward = List.of("a b/c+d.txt", "per%cent/x.txt", "ünï/cödé.txt");
    step("copyObject of keys with spaces, + and % and outside ASCII", () -> {
      for (String key : awkward) {
        s3.putObject(bucket, "src/" + key, "copy me: " + key);
        CopyObjectResult copied = s3.copyObject(bucket, "src/" + key, bucket, "dst/" + key);
        eq(copied.getETag(), md5(("copy me: " + key).getBytes(StandardCharsets.UTF_8)));
        eq(s3.getObjectAsString(bucket, "dst/" + key), "copy me: " + key);
      }
    });

    step("listObjects (v1, url-encoded keys) with a delimiter and markers, listObjectsV2 in pages", () -> {
      ObjectListing top = s3.listObjects(new ListObjectsRequest().withBucketName(bucket).withPrefix("dst/").withDelimiter("/"));
      eq(new ArrayList<>(top.getCommonPrefixes()), List.of("dst/a b/", "dst/per%cent/", "dst/ünï/"));
      List<String> keys = new ArrayList<>();
      ObjectListing page = s3.listObjects(new ListObjectsRequest().withBucketName(bucket).withPrefix("dst/").withMaxKeys(2));
      while (true) {
        page.getObjectSummaries().forEach(o -> keys.add(o.getKey()));
        if (!page.isTruncated()) break;
        page = s3.listNextBatchOfObjects(page);
      }
      eq(keys, awkward.stream().map(k -> "dst/" + k).sorted().toList());
      List<String> v2 = new ArrayList<>();
      ListObjectsV2Request req = new ListObjectsV2Request().withBucketName(bucket).withPrefix("src/").withMaxKeys(1);
      ListObjectsV2Result r;
      do {
        r = s3.listObjectsV2(req);
        r.getObjectSummaries().forEach(o -> v2.add(o.getKey()));
        req.setContinuationToken(r.getNextContinuationToken());
      } while (r.isTruncated());
      eq(v2, awkward.stream().map(k -> "src/" + k).sorted().toList());
    });

    step("object tags", () -> {
      s3.setObjectTagging(new SetObjectTaggingRequest(bucket, "dir/hello.txt", new ObjectTagging(List.of(new Tag("k1", "v1"), new Tag("k 2", "v+2")))));
      List<Tag> tags = s3.getObjectTagging(new GetObjectTaggingRequest(bucket, "dir/hello.txt")).getTagSet();
      eq(tags.size(), 2);
      eq(tags.stream().anyMatch(t -> t.getKey().equals("k 2") && t.getValue().equals("v+2")), true);
    });

    if (!ozone) {
      step("versioning (set without a Content-MD5), and two versions listed", () -> {
        s3.setBucketVersioningConfiguration(new SetBucketVersioningConfigurationRequest(bucket, new BucketVersioningConfiguration(BucketVersioningConfiguration.ENABLED)));
        eq(s3.getBucketVersioningConfiguration(bucket).getStatus(), "Enabled");
        s3.putObject(bucket, "versioned.txt", "one");
        s3.putObject(bucket, "versioned.txt", "two");
        VersionListing versions = s3.listVersions(bucket, "versioned.txt");
        eq(versions.getVersionSummaries().size(), 2);
        S3VersionSummary older = versions.getVersionSummaries().get(1);
        eq(s3.getObjectAsString(bucket, "versioned.txt"), "two");
        eq(read(s3.getObject(new GetObjectRequest(bucket, "versioned.txt", older.getVersionId()))).length, 3);
      });

      step("lifecycle and CORS (with the Content-MD5 the SDK computes)", () -> {
        BucketLifecycleConfiguration.Rule rule = new BucketLifecycleConfiguration.Rule().withId("expire-tmp").withPrefix("tmp/").withExpirationInDays(7).withStatus(BucketLifecycleConfiguration.ENABLED);
        s3.setBucketLifecycleConfiguration(bucket, new BucketLifecycleConfiguration(List.of(rule)));
        eq(s3.getBucketLifecycleConfiguration(bucket).getRules().get(0).getExpirationInDays(), 7);
        CORSRule cors = new CORSRule().withAllowedMethods(List.of(CORSRule.AllowedMethods.GET)).withAllowedOrigins(List.of("https://example.com"));
        s3.setBucketCrossOriginConfiguration(bucket, new BucketCrossOriginConfiguration(List.of(cors)));
        eq(s3.getBucketCrossOriginConfiguration(bucket).getRules().get(0).getAllowedOrigins(), List.of("https://example.com"));
      });
    }

    step("presigned GET and PUT through HttpURLConnection", () -> {
      Date expires = new Date(System.currentTimeMillis() + 600_000);
      URL put = s3.generatePresignedUrl(new GeneratePresignedUrlRequest(bucket, "presigned.txt", HttpMethod.PUT).withExpiration(expires));
      HttpURLConnection c = (HttpURLConnection) put.openConnection();
      c.setRequestMethod("PUT");
      c.setDoOutput(true);
      c.getOutputStream().write("presigned body".getBytes(StandardCharsets.UTF_8));
      eq(c.getResponseCode(), 200);
      URL get = s3.generatePresignedUrl(bucket, "presigned.txt", expires);
      HttpURLConnection g = (HttpURLConnection) get.openConnection();
      eq(g.getResponseCode(), 200);
      eq(new String(g.getInputStream().readAllBytes(), StandardCharsets.UTF_8), "presigned body");
    });

    step("deleteObjects, and a missing key is NoSuchKey on GET and 404 on HEAD", () -> {
      List<DeleteObjectsRequest.KeyVersion> keys = new ArrayList<>();
      for (String key : awkward) keys.add(new DeleteObjectsRequest.KeyVersion("src/" + key));
      DeleteObjectsResult deleted = s3.deleteObjects(new DeleteObjectsRequest(bucket).withKeys(keys));
      eq(deleted.getDeletedObjects().size(), awkward.size());
      try {
        s3.getObject(bucket, "src/" + awkward.get(0));
        throw new AssertionError("GET of a deleted key succeeded");
      } catch (AmazonS3Exception e) {
        eq(e.getErrorCode(), "NoSuchKey");
        eq(e.getStatusCode(), 404);
      }
      eq(s3.doesObjectExist(bucket, "src/" + awkward.get(0)), false);
      eq(s3.doesObjectExist(bucket, "dir/hello.txt"), true);
    });

    System.exit(failed == 0 ? 0 : 1);
  }
}
