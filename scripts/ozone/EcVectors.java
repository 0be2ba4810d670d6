// Parity vectors from Ozone's own Java erasure coders, for the TypeScript coder's unit tests
// (test/ozone-ec/vectors.json; runtime/storage/ozone/ec/coder.ts must give the same bytes).
//
// Run with Java's single-file source launcher against the ozone-client classpath that
// scripts/ozone/cluster.mjs resolves (it includes org.apache.ozone:hdds-erasurecode:2.2.0):
//
//   node scripts/ozone/cluster.mjs up ...   # once, so .ozone/maven/classpaths.json exists
//   CP=$(node -p 'require("./.ozone/maven/classpaths.json").classpaths.probe.join(":")')
//   java -cp "$CP" scripts/ozone/EcVectors.java > test/ozone-ec/vectors.json
//
// The coders are the ones Ozone's client falls back to without ISA-L (RSRawEncoder/Decoder,
// XORRawEncoder/Decoder via CodecUtil's Java factories), which are byte-compatible with ISA-L's.
// Data units are xorshift32 bytes (x ^= x << 13; x ^= x >>> 17; x ^= x << 5; byte = x & 0xff),
// one stream over the data units in order, starting from the case's seed; the tests regenerate
// them. Small cells are written out as base64, large ones as SHA-256 hex.

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.apache.hadoop.hdds.client.ECReplicationConfig;
import org.apache.ozone.erasurecode.rawcoder.RSRawDecoder;
import org.apache.ozone.erasurecode.rawcoder.RSRawEncoder;
import org.apache.ozone.erasurecode.rawcoder.RawErasureDecoder;
import org.apache.ozone.erasurecode.rawcoder.RawErasureEncoder;
import org.apache.ozone.erasurecode.rawcoder.XORRawDecoder;
import org.apache.ozone.erasurecode.rawcoder.XORRawEncoder;

public class EcVectors {
  static final int SMALL = 64 * 1024;

  static byte[][] data(int units, int length, int seed) {
    byte[][] d = new byte[units][length];
    int x = seed;
    for (int u = 0; u < units; u++) {
      for (int i = 0; i < length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        d[u][i] = (byte) (x & 0xff);
      }
    }
    return d;
  }

  static RawErasureEncoder encoder(ECReplicationConfig c) {
    return c.getCodec() == ECReplicationConfig.EcCodec.XOR ? new XORRawEncoder(c) : new RSRawEncoder(c);
  }

  static RawErasureDecoder decoder(ECReplicationConfig c) {
    return c.getCodec() == ECReplicationConfig.EcCodec.XOR ? new XORRawDecoder(c) : new RSRawDecoder(c);
  }

  static String cell(byte[] b) throws Exception {
    if (b.length <= SMALL) return "\"" + Base64.getEncoder().encodeToString(b) + "\"";
    StringBuilder s = new StringBuilder("\"sha256:");
    for (byte x : MessageDigest.getInstance("SHA-256").digest(b)) s.append(String.format("%02x", x));
    return s.append('"').toString();
  }

  static String cells(byte[][] bs) throws Exception {
    List<String> out = new ArrayList<>();
    for (byte[] b : bs) out.add(cell(b));
    return "[" + String.join(", ", out) + "]";
  }

  static byte[][] parity(ECReplicationConfig c, byte[][] d) throws Exception {
    byte[][] p = new byte[c.getParity()][d[0].length];
    encoder(c).encode(d, p);
    return p;
  }

  static String encodeCase(String scheme, int seed, int length) throws Exception {
    ECReplicationConfig c = new ECReplicationConfig(scheme + "-1024k");
    byte[][] p = parity(c, data(c.getData(), length, seed));
    return String.format("    {\"scheme\": \"%s\", \"seed\": %d, \"cellLength\": %d, \"parity\": %s}", scheme, seed, length, cells(p));
  }

  /** missing: units left out of the decoder's inputs (null); erased: the units asked for */
  static String decodeCase(String scheme, int seed, int length, int[] missing, int[] erased) throws Exception {
    ECReplicationConfig c = new ECReplicationConfig(scheme + "-1024k");
    byte[][] d = data(c.getData(), length, seed);
    byte[][] p = parity(c, d);
    byte[][] inputs = new byte[c.getData() + c.getParity()][];
    for (int i = 0; i < inputs.length; i++) inputs[i] = i < d.length ? d[i] : p[i - d.length];
    for (int m : missing) inputs[m] = null;
    byte[][] out = new byte[erased.length][length];
    decoder(c).decode(inputs, erased, out);
    return String.format("    {\"scheme\": \"%s\", \"seed\": %d, \"cellLength\": %d, \"missing\": %s, \"erased\": %s, \"outputs\": %s}",
        scheme, seed, length, java.util.Arrays.toString(missing), java.util.Arrays.toString(erased), cells(out));
  }

  public static void main(String[] args) throws Exception {
    List<String> enc = new ArrayList<>();
    int seed = 1;
    for (String s : new String[] {"rs-3-2", "rs-6-3", "rs-10-4", "xor-2-1"}) {
      enc.add(encodeCase(s, seed++, 1024));
      enc.add(encodeCase(s, seed++, 1021)); // not a whole number of 32-bit words
      enc.add(encodeCase(s, seed++, 1));
    }
    for (String s : new String[] {"rs-3-2", "rs-6-3", "xor-2-1"}) enc.add(encodeCase(s, seed++, 1024 * 1024 + 3));
    List<String> dec = new ArrayList<>();
    seed = 101;
    dec.add(decodeCase("rs-3-2", seed, 1024, new int[] {0}, new int[] {0}));
    dec.add(decodeCase("rs-3-2", seed, 1024, new int[] {1}, new int[] {1}));
    dec.add(decodeCase("rs-3-2", seed, 1024, new int[] {0, 1}, new int[] {0, 1}));
    dec.add(decodeCase("rs-3-2", seed, 1024, new int[] {0, 2}, new int[] {0, 2}));
    dec.add(decodeCase("rs-3-2", seed, 1024, new int[] {1, 4}, new int[] {1, 4}));
    dec.add(decodeCase("rs-3-2", seed, 1024, new int[] {3, 4}, new int[] {3, 4}));
    dec.add(decodeCase("rs-3-2", seed, 1024, new int[] {2, 3}, new int[] {2}));
    seed++;
    dec.add(decodeCase("rs-6-3", seed, 1021, new int[] {0, 1, 2}, new int[] {0, 1, 2}));
    dec.add(decodeCase("rs-6-3", seed, 1021, new int[] {5, 6, 8}, new int[] {5, 6, 8}));
    dec.add(decodeCase("rs-6-3", seed, 1021, new int[] {3}, new int[] {3}));
    dec.add(decodeCase("rs-6-3", seed, 1021, new int[] {1, 6}, new int[] {1}));
    dec.add(decodeCase("rs-6-3", seed, 1021, new int[] {2, 4, 7}, new int[] {2, 4, 7}));
    seed++;
    dec.add(decodeCase("rs-10-4", seed, 1024, new int[] {0, 5, 9, 13}, new int[] {0, 5, 9, 13}));
    seed++;
    dec.add(decodeCase("xor-2-1", seed, 1024, new int[] {0}, new int[] {0}));
    dec.add(decodeCase("xor-2-1", seed, 1024, new int[] {1}, new int[] {1}));
    dec.add(decodeCase("xor-2-1", seed, 1024, new int[] {2}, new int[] {2}));
    seed++;
    dec.add(decodeCase("rs-6-3", seed, 1024 * 1024 + 3, new int[] {0, 1, 2}, new int[] {0, 1, 2}));
    dec.add(decodeCase("rs-3-2", seed, 1024 * 1024 + 3, new int[] {1, 3}, new int[] {1, 3}));
    System.out.println("{");
    System.out.println("  \"producedBy\": \"scripts/ozone/EcVectors.java with org.apache.ozone:hdds-erasurecode:2.2.0 (RSRawEncoder/RSRawDecoder, XORRawEncoder/XORRawDecoder)\",");
    System.out.println("  \"encode\": [\n" + String.join(",\n", enc) + "\n  ],");
    System.out.println("  \"decode\": [\n" + String.join(",\n", dec) + "\n  ]");
    System.out.println("}");
  }
}
