/**
 * XML documents through the descriptors generated from spec/: request bodies from the Amazon S3 API
 * Reference decoded, response documents encoded to the exact text S3 clients parse, round trips.
 */
import { describe, expect, it } from "vitest";
import { decodeXml, encodeXml, escapeXml, isoTimestamp } from "../../runtime/xml.js";
import type { CompletedMultipartUpload, Delete, ListBucketV2Result } from "../../generated/types/shapes.js";

// From "CompleteMultipartUpload", Amazon S3 API Reference (request sample).
const completeSample = `<CompleteMultipartUpload>
  <Part>
    <PartNumber>1</PartNumber>
    <ETag>"a54357aff0632cce46d942af68356b38"</ETag>
  </Part>
  <Part>
    <PartNumber>2</PartNumber>
    <ETag>"0c78aef83f66abc1fa1e8477f296d394"</ETag>
  </Part>
  <Part>
    <PartNumber>3</PartNumber>
    <ETag>"acbd18db4cc2f85cedef654fccc4a4d8"</ETag>
  </Part>
</CompleteMultipartUpload>`;

// From "DeleteObjects", Amazon S3 API Reference (request sample), with a namespace as SDKs send it.
const deleteSample = `<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Quiet>true</Quiet>
    <Object>
         <Key>Key</Key>
    </Object>
    <Object>
         <Key>Key</Key>
         <VersionId>VersionId</VersionId>
    </Object>
</Delete>`;

describe("decoding request documents", () => {
  it("reads the CompleteMultipartUpload sample", () => {
    const doc = decodeXml<CompletedMultipartUpload>("CompletedMultipartUpload", completeSample);
    expect(doc.Parts).toEqual([
      { PartNumber: 1, ETag: '"a54357aff0632cce46d942af68356b38"' },
      { PartNumber: 2, ETag: '"0c78aef83f66abc1fa1e8477f296d394"' },
      { PartNumber: 3, ETag: '"acbd18db4cc2f85cedef654fccc4a4d8"' },
    ]);
  });

  it("reads the DeleteObjects sample, a single repeated element still being a list", () => {
    const doc = decodeXml<Delete>("Delete", deleteSample);
    expect(doc).toEqual({ Quiet: true, Objects: [{ Key: "Key" }, { Key: "Key", VersionId: "VersionId" }] });
    const one = decodeXml<Delete>("Delete", "<Delete><Object><Key>only</Key></Object></Delete>");
    expect(one.Objects).toEqual([{ Key: "only" }]);
  });

  it("keeps keys exactly: spaces at the ends, entities, unicode", () => {
    const doc = decodeXml<Delete>("Delete", "<Delete><Object><Key> a &amp; b &lt;c&gt; ✓ </Key></Object></Delete>");
    expect(doc.Objects[0].Key).toBe(" a & b <c> ✓ ");
  });

  it.each([
    ["not XML", "this is not xml"],
    ["unclosed", "<Delete><Object><Key>k</Key></Object>"],
    ["the wrong root", "<Remove><Object><Key>k</Key></Object></Remove>"],
    ["a missing required element", "<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>"],
    ["a non-integer part number", "<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"],
    ["a DOCTYPE (no entity expansion)", '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Delete><Object><Key>&x;</Key></Object></Delete>'],
  ])("answers MalformedXML for %s", (_what, text) => {
    const shape = text.includes("CompleteMultipartUpload") ? "CompletedMultipartUpload" : "Delete";
    expect(() => decodeXml(shape, text)).toThrowError(expect.objectContaining({ code: "MalformedXML" }));
  });
});

describe("encoding response documents", () => {
  it("writes ListObjectsV2 output exactly as S3 shapes it (golden)", () => {
    const doc: ListBucketV2Result = {
      Name: "bucket",
      Prefix: "",
      MaxKeys: 1000,
      KeyCount: 2,
      IsTruncated: false,
      Contents: [
        { Key: "a&b.txt", LastModified: new Date("2009-10-12T17:50:30Z"), ETag: '"fba9dede5f27731c9771645a39863328"', Size: 434234, StorageClass: "STANDARD" },
      ],
      CommonPrefixes: [{ Prefix: "photos/" }],
    };
    expect(encodeXml("ListBucketV2Result", doc)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        "<Name>bucket</Name><Prefix></Prefix><MaxKeys>1000</MaxKeys><KeyCount>2</KeyCount><IsTruncated>false</IsTruncated>" +
        "<Contents><Key>a&amp;b.txt</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>" +
        "<ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>" +
        "<CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes>" +
        "</ListBucketResult>",
    );
  });

  it("writes a wrapped list (ListBuckets) and element text content (GetBucketLocation)", () => {
    const list = encodeXml("ListAllMyBucketsResult", { Owner: { ID: "id", DisplayName: "me" }, Buckets: [{ Name: "b1", CreationDate: new Date(0) }] });
    expect(list).toContain("<Buckets><Bucket><Name>b1</Name><CreationDate>1970-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets>");
    expect(encodeXml("LocationConstraint", { LocationConstraint: "eu-west-1" })).toContain('<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>');
    expect(encodeXml("LocationConstraint", {})).toMatch(/<LocationConstraint xmlns="[^"]+"><\/LocationConstraint>$/);
  });

  it("writes flattened lists, nested shapes and every scalar kind as a listing page needs them", () => {
    const xml = encodeXml("ListBucketV2Result", {
      Name: "b",
      IsTruncated: true,
      Contents: [
        { Key: "k1", Size: 0, ChecksumAlgorithm: ["CRC32", "SHA256"], Owner: { ID: "o", DisplayName: "d<" } },
        { Key: "k2", Size: 12, LastModified: new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 7)) },
      ],
      CommonPrefixes: [],
    });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        "<Name>b</Name><IsTruncated>true</IsTruncated>" +
        "<Contents><Key>k1</Key><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumAlgorithm>SHA256</ChecksumAlgorithm>" +
        "<Size>0</Size><Owner><DisplayName>d&lt;</DisplayName><ID>o</ID></Owner></Contents>" +
        "<Contents><Key>k2</Key><LastModified>2024-02-29T23:59:59.007Z</LastModified><Size>12</Size></Contents>" +
        "</ListBucketResult>",
    );
    expect(encodeXml("ListBucketV2Result", { Name: "b" }, { namespace: false })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>b</Name></ListBucketResult>',
    );
  });

  it("prints times exactly as Date.toISOString does, out-of-range years and invalid dates included", () => {
    const times = [0, -1, 1, 999, 86_399_999, Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 1, 29), Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
    for (let t = Date.UTC(1000, 0, 1); t < Date.UTC(9999, 0, 1); t += 86_400_000 * 365.2425 * 7 + 3_723_004) times.push(Math.round(t));
    for (const t of times) expect(isoTimestamp(new Date(t))).toBe(new Date(t).toISOString());
    expect(isoTimestamp(new Date(Date.UTC(999, 0, 1)))).toBe("0999-01-01T00:00:00.000Z");
    expect(isoTimestamp(new Date(Date.UTC(10000, 0, 1)))).toBe("+010000-01-01T00:00:00.000Z");
    expect(() => isoTimestamp(new Date(NaN))).toThrow(RangeError);
  });

  it("round-trips documents through encode and decode", () => {
    const parts: CompletedMultipartUpload = { Parts: [{ PartNumber: 7, ETag: '"x"' }] };
    expect(decodeXml("CompletedMultipartUpload", encodeXml("CompletedMultipartUpload", parts))).toEqual(parts);
    const del: Delete = { Objects: [{ Key: "tab\there" }, { Key: "<&>" }], Quiet: false };
    expect(decodeXml("Delete", encodeXml("Delete", del))).toEqual(del);
  });

  it("escapes markup and writes control characters as character references", () => {
    expect(escapeXml('a<b>&"c')).toBe("a&lt;b&gt;&amp;&quot;c");
    expect(escapeXml("x\u0001y\rz")).toBe("x&#x1;y&#xD;z");
    expect(escapeXml("plain")).toBe("plain");
  });
});
