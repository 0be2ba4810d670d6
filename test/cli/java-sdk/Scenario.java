// The AWS SDK for Java v2 at its default settings against a running gateway, for
// test/cli/java-sdk.test.ts: `java -cp <classpath> Scenario.java <endpoint> <access key> <secret> <bucket> [ozone]`
// (with `ozone`, the steps the Ozone backend answers 501 to are left out: versioning and bucket
// policy, lifecycle and CORS).
// Each step prints "ok <name>" or "FAIL <name>: <why>" (a wrong answer is a failure, not only an
// exception); the exit status is 1 when any step failed. Over plain HTTP the SDK signs every chunk
// of a PutObject or UploadPart body and sends its CRC32 as a trailer (aws-chunked), and it sends a
// CRC32 with the operations whose body S3 wants a checksum of.
import java.io.ByteArrayInputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.*;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

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

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  static String md5(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
  }

  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(args[1], args[2]));
    String bucket = args[3];
    boolean ozone = args.length > 4 && args[4].equals("ozone");
    S3Client s3 = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(credentials).forcePathStyle(true).build();
    byte[] big = new byte[12 * 1024 * 1024 + 5];
    new Random(1).nextBytes(big);
    String bigKey = "big/ü b+c%.bin";

    step("createBucket, headBucket", () -> {
      s3.createBucket(b -> b.bucket(bucket));
      eq(s3.headBucket(b -> b.bucket(bucket)).sdkHttpResponse().statusCode(), 200);
    });
    step("putObject with metadata, headObject", () -> {
      var put = s3.putObject(b -> b.bucket(bucket).key("a/hello.txt").contentType("text/plain").metadata(Map.of("color", "blue")), RequestBody.fromString("hello world"));
      eq(put.eTag(), "\"" + md5("hello world".getBytes(StandardCharsets.UTF_8)) + "\"");
      var head = s3.headObject(b -> b.bucket(bucket).key("a/hello.txt"));
      eq(head.contentLength(), 11L);
      eq(head.contentType(), "text/plain");
      eq(head.metadata(), Map.of("color", "blue"));
    });
    step("putObject of a 12 MiB stream, read back whole and by range", () -> {
      s3.putObject(b -> b.bucket(bucket).key(bigKey), RequestBody.fromInputStream(new ByteArrayInputStream(big), big.length));
      eq(sha256(s3.getObjectAsBytes(b -> b.bucket(bucket).key(bigKey)).asByteArray()), sha256(big));
      eq(s3.getObjectAsBytes(b -> b.bucket(bucket).key("a/hello.txt").range("bytes=6-10")).asUtf8String(), "world");
    });
    step("getObject with checksum mode: the CRC32 the SDK sent", () -> {
      var crc = new java.util.zip.CRC32();
      crc.update("hello world".getBytes(StandardCharsets.UTF_8));
      byte[] be = java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array();
      eq(s3.getObject(b -> b.bucket(bucket).key("a/hello.txt").checksumMode(ChecksumMode.ENABLED)).response().checksumCRC32(), java.util.Base64.getEncoder().encodeToString(be));
    });
    step("copyObject of a key with spaces, + and % and outside ASCII", () -> {
      var copied = s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(bigKey).destinationBucket(bucket).destinationKey("copy/" + bigKey));
      eq(copied.copyObjectResult().eTag(), "\"" + md5(big) + "\"");
    });
    step("multipart upload with CRC32 part checksums, listParts, getObjectAttributes", () -> {
      String key = "mp/obj";
      String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).checksumAlgorithm(ChecksumAlgorithm.CRC32)).uploadId();
      byte[] p1 = Arrays.copyOfRange(big, 0, 5 * 1024 * 1024);
      byte[] p2 = Arrays.copyOfRange(big, 5 * 1024 * 1024, 6 * 1024 * 1024);
      var r1 = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(1).checksumAlgorithm(ChecksumAlgorithm.CRC32), RequestBody.fromBytes(p1));
      var r2 = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(2).checksumAlgorithm(ChecksumAlgorithm.CRC32), RequestBody.fromBytes(p2));
      eq(s3.listParts(b -> b.bucket(bucket).key(key).uploadId(id)).parts().size(), 2);
      var done = s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id).multipartUpload(m -> m.parts(
          CompletedPart.builder().partNumber(1).eTag(r1.eTag()).checksumCRC32(r1.checksumCRC32()).build(),
          CompletedPart.builder().partNumber(2).eTag(r2.eTag()).checksumCRC32(r2.checksumCRC32()).build())));
      if (!done.eTag().endsWith("-2\"")) throw new AssertionError("not a multipart ETag: " + done.eTag());
      var attributes = s3.getObjectAttributes(b -> b.bucket(bucket).key(key).objectAttributes(ObjectAttributes.OBJECT_SIZE, ObjectAttributes.OBJECT_PARTS));
      eq(attributes.objectSize(), 6L * 1024 * 1024);
      eq(attributes.objectParts().totalPartsCount(), 2);
      eq(sha256(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray()), sha256(Arrays.copyOfRange(big, 0, 6 * 1024 * 1024)));
    });
    step("uploadPartCopy of a byte range", () -> {
      String id = s3.createMultipartUpload(b -> b.bucket(bucket).key("mp/copy")).uploadId();
      var part = s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(bigKey).destinationBucket(bucket).destinationKey("mp/copy").uploadId(id).partNumber(1).copySourceRange("bytes=0-5242879"));
      s3.completeMultipartUpload(b -> b.bucket(bucket).key("mp/copy").uploadId(id).multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(part.copyPartResult().eTag()).build())));
      eq(sha256(s3.getObjectAsBytes(b -> b.bucket(bucket).key("mp/copy")).asByteArray()), sha256(Arrays.copyOfRange(big, 0, 5 * 1024 * 1024)));
    });
    step("listObjectsV2 in pages of 2, with a delimiter, and ListObjects with encoding-type=url", () -> {
      List<String> keys = new ArrayList<>();
      s3.listObjectsV2Paginator(b -> b.bucket(bucket).maxKeys(2)).contents().forEach(o -> keys.add(o.key()));
      eq(keys, List.of("a/hello.txt", bigKey, "copy/" + bigKey, "mp/copy", "mp/obj"));
      eq(s3.listObjectsV2(b -> b.bucket(bucket).delimiter("/")).commonPrefixes().stream().map(CommonPrefix::prefix).toList(), List.of("a/", "big/", "copy/", "mp/"));
      eq(s3.listObjects(b -> b.bucket(bucket).prefix("big/").encodingType(EncodingType.URL)).contents().stream().map(S3Object::key).toList(), List.of(bigKey));
    });
    step("object tags", () -> {
      s3.putObjectTagging(b -> b.bucket(bucket).key("a/hello.txt").tagging(t -> t.tagSet(Tag.builder().key("k").value("v").build())));
      eq(s3.getObjectTagging(b -> b.bucket(bucket).key("a/hello.txt")).tagSet(), List.of(Tag.builder().key("k").value("v").build()));
    });
    if (!ozone) step("versioning, and two versions listed", () -> {
      s3.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
      eq(s3.getBucketVersioning(b -> b.bucket(bucket)).status(), BucketVersioningStatus.ENABLED);
      s3.putObject(b -> b.bucket(bucket).key("a/hello.txt"), RequestBody.fromString("again"));
      eq(s3.listObjectVersions(b -> b.bucket(bucket).prefix("a/")).versions().size(), 2);
    });
    if (!ozone) step("bucket policy, lifecycle, CORS, canned ACL", () -> {
      String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::" + bucket + "/pub/*\"}]}";
      s3.putBucketPolicy(b -> b.bucket(bucket).policy(policy));
      eq(s3.getBucketPolicy(b -> b.bucket(bucket)).policy(), policy);
      s3.putBucketLifecycleConfiguration(b -> b.bucket(bucket).lifecycleConfiguration(l -> l.rules(LifecycleRule.builder().id("r").status(ExpirationStatus.ENABLED).filter(f -> f.prefix("tmp/")).expiration(e -> e.days(3)).build())));
      eq(s3.getBucketLifecycleConfiguration(b -> b.bucket(bucket)).rules().get(0).expiration().days(), 3);
      s3.putBucketCors(b -> b.bucket(bucket).corsConfiguration(c -> c.corsRules(CORSRule.builder().allowedMethods("GET").allowedOrigins("*").build())));
      eq(s3.getBucketCors(b -> b.bucket(bucket)).corsRules().get(0).allowedMethods(), List.of("GET"));
      s3.putBucketAcl(b -> b.bucket(bucket).acl(BucketCannedACL.PRIVATE));
      eq(s3.getBucketAcl(b -> b.bucket(bucket)).grants().size(), 1);
    });
    try (S3Presigner presigner = S3Presigner.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(credentials)
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build()) {
      step("presigned GET and PUT through HttpURLConnection", () -> {
        var get = (HttpURLConnection) presigner.presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(5)).getObjectRequest(g -> g.bucket(bucket).key(bigKey))).url().openConnection();
        eq(get.getResponseCode(), 200);
        eq(sha256(get.getInputStream().readAllBytes()), sha256(big));
        var put = (HttpURLConnection) presigner.presignPutObject(r -> r.signatureDuration(Duration.ofMinutes(5)).putObjectRequest(p -> p.bucket(bucket).key("p/put.txt"))).url().openConnection();
        put.setDoOutput(true);
        put.setRequestMethod("PUT");
        put.getOutputStream().write("presigned".getBytes(StandardCharsets.UTF_8));
        eq(put.getResponseCode(), 200);
        eq(s3.getObjectAsBytes(b -> b.bucket(bucket).key("p/put.txt")).asUtf8String(), "presigned");
      });
    }
    step("deleteObjects, and a missing key is NoSuchKey on GET and on HEAD", () -> {
      var deleted = s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(ObjectIdentifier.builder().key("copy/" + bigKey).build(), ObjectIdentifier.builder().key("p/put.txt").build())));
      eq(deleted.deleted().size(), 2);
      eq(deleted.errors().size(), 0);
      for (String key : List.of("copy/" + bigKey, "nope")) {
        try {
          s3.getObject(b -> b.bucket(bucket).key(key)).close();
          throw new AssertionError("GET " + key + " answered");
        } catch (NoSuchKeyException expected) {
          eq(expected.statusCode(), 404);
        }
        try {
          s3.headObject(b -> b.bucket(bucket).key(key));
          throw new AssertionError("HEAD " + key + " answered");
        } catch (NoSuchKeyException expected) {
          eq(expected.statusCode(), 404);
        }
      }
    });
    s3.close();
    System.exit(failed == 0 ? 0 : 1);
  }
}
