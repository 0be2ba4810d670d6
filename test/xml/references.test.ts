/**
 * The XML reader under request bodies and ozone-site.xml: XML 1.0's references (the five predefined
 * entities, decimal and hexadecimal character references) as clients in other languages write
 * them, what XML refuses (other entity names, references to characters XML forbids), line-end and
 * whitespace handling, and the bounds on a document's shape.
 */
import { describe, expect, it } from "vitest";
import type { CompletedMultipartUpload, Delete } from "../../generated/types/shapes.js";
import { ozoneFromSiteXml } from "../../runtime/ozone-site-xml.js";
import { decodeXml } from "../../runtime/xml.js";
import { parseXmlTree } from "../../runtime/xml-parser.js";

/**
 * Text escaped exactly as Go's encoding/xml writes it (EscapeText / the marshaller's EscapeString,
 * also copied by smithy-go, the AWS SDK for Go v2's XML encoder): `"` -> &#34;, `'` -> &#39;,
 * tab/LF/CR -> &#x9;/&#xA;/&#xD;.
 */
export function goEscape(s: string): string {
  const esc: Record<string, string> = { '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;" };
  return s.replace(/["'&<>\t\n\r]/g, (c) => esc[c]);
}

const keyOf = (xml: string) => decodeXml<Delete>("Delete", `<Delete><Object><Key>${xml}</Key></Object></Delete>`).Objects[0].Key;
const malformed = (shape: string, text: string | Buffer) =>
  expect(() => decodeXml(shape, text)).toThrowError(expect.objectContaining({ code: "MalformedXML" }));

describe("references in request documents", () => {
  it("decodes the five predefined entities and decimal and hexadecimal character references", () => {
    expect(keyOf("&lt;&gt;&amp;&apos;&quot;")).toBe("<>&'\"");
    expect(keyOf("&#34;&#39;&#x9;&#xA;&#xD;")).toBe("\"'\t\n\r");
    expect(keyOf("&#x0D;&#x0A;&#x85;&#x2028;")).toBe("\r\n\u0085\u2028"); // the JavaScript SDK's spellings
    expect(keyOf("&#x1F600;&#128512;&#xe9;&#XE9;".replace("&#XE9;", "&#233;"))).toBe("😀😀éé");
    expect(keyOf("&#0000065;&#x00041;")).toBe("AA");
  });

  it("reads a CompleteMultipartUpload as Go's encoder writes it", () => {
    const etag = '"0123456789abcdef0123456789abcdef"';
    const doc = decodeXml<CompletedMultipartUpload>(
      "CompletedMultipartUpload",
      `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>${goEscape(etag)}</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`,
    );
    expect(goEscape(etag)).toBe("&#34;0123456789abcdef0123456789abcdef&#34;");
    expect(doc.Parts).toEqual([{ PartNumber: 1, ETag: etag }]);
  });

  it("round-trips keys with quotes, markup, controls, whitespace and non-ASCII through Go's escaping", () => {
    for (const key of ['a"b', "it's", "a&b<c>d", "tab\there", "cr\rlf\nboth\r\n", "  spaced  ", " ", "\t\n", "ünï©ødé ✓ 😀"]) {
      expect(keyOf(goEscape(key))).toBe(key);
    }
  });

  it.each([
    ["an HTML entity name", "&nbsp;"],
    ["another HTML entity name", "&copy;"],
    ["an entity name in another case", "&AMP;"],
    ["an '&' alone", "a & b"],
    ["an entity without ';'", "&amp b"],
    ["an empty character reference", "&#;"],
    ["an empty hexadecimal reference", "&#x;"],
    ["an upper-case X", "&#X41;"],
    ["a non-hexadecimal digit", "&#xZ1;"],
    ["a reference to NUL", "&#0;"],
    ["a reference to a C0 control", "&#x1;"],
    ["a reference to a lone high surrogate", "&#xD800;"],
    ["a reference to a lone low surrogate", "&#57343;"],
    ["a reference to U+FFFE", "&#xFFFE;"],
    ["a reference past U+10FFFF", "&#x110000;"],
    ["a huge reference", "&#99999999999999999999;"],
  ])("refuses %s as MalformedXML", (_what, text) => {
    malformed("Delete", `<Delete><Object><Key>${text}</Key></Object></Delete>`);
  });

  it("normalises literal line ends (XML 1.0 §2.11) but keeps a CR given as &#xD;", () => {
    expect(keyOf("a\r\nb\rc\nd")).toBe("a\nb\nc\nd");
    expect(keyOf("a&#xD;&#xA;b&#13;")).toBe("a\r\nb\r");
  });

  it("keeps whitespace exactly, and CDATA literally", () => {
    expect(keyOf("   ")).toBe("   ");
    expect(keyOf(" \t a \t ")).toBe(" \t a \t ");
    expect(keyOf("<![CDATA[&amp;<x>]]>")).toBe("&amp;<x>");
    expect(keyOf("a<!-- comment -->b<?pi data?>c")).toBe("abc");
  });

  it("reads references in every request shape (CreateBucketConfiguration)", () => {
    const doc = decodeXml<{ LocationConstraint?: string }>(
      "CreateBucketConfiguration",
      '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>&#101;u-west-1</LocationConstraint></CreateBucketConfiguration>',
    );
    expect(doc.LocationConstraint).toBe("eu-west-1");
  });

  it("refuses what is not well-formed XML", () => {
    for (const text of [
      "<Delete><Object><Key>a</Key></Object></Delete><Delete/>", // two roots
      "<Delete><Object><Key>a</Key></Object></Delete>trailing", // text after the root
      "<Delete><Object><Key>a</Object></Key></Delete>", // crossed tags
      "<Delete><!-- a -- b --><Object><Key>a</Key></Object></Delete>", // '--' in a comment
      "<Delete><Object><Key>a]]>b</Key></Object></Delete>", // ']]>' in text
      "<Delete><Object><Key>a\u0001b</Key></Object></Delete>", // a control character
      "<Delete><Object a='1' a='2'><Key>a</Key></Object></Delete>", // an attribute twice
      "<Delete><Object a=1><Key>a</Key></Object></Delete>", // an unquoted attribute
      "<Delete><Object a='<'><Key>a</Key></Object></Delete>", // '<' in an attribute
      "<Delete><Object a='&nbsp;'><Key>a</Key></Object></Delete>", // an HTML entity in an attribute
      ' <?xml version="1.0"?><Delete><Object><Key>a</Key></Object></Delete>', // a declaration not first
      '<!DOCTYPE Delete SYSTEM "http://example.com/x.dtd"><Delete><Object><Key>a</Key></Object></Delete>',
      "<Delete><Object><Key>a<b/></Key></Object></Delete>", // an element inside a scalar
      "<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>", // a repeated scalar
      "<Delete><1bad/><Object><Key>a</Key></Object></Delete>", // a name starting with a digit
      "<Delete><Object><Key>a</Key></Object></Delete><!-- unclosed", // an unterminated comment
    ]) {
      malformed("Delete", text);
    }
    malformed("Delete", Buffer.from([...Buffer.from("<Delete><Object><Key>"), 0xc3, 0x28, ...Buffer.from("</Key></Object></Delete>")])); // not UTF-8
  });

  it("accepts a BOM, a declaration, namespace prefixes, attributes and unknown elements (ignored)", () => {
    const doc = decodeXml<Delete>(
      "Delete",
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<s3:Delete xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/" a="&#34;">' +
        "<s3:Object><s3:Key>k&#34;</s3:Key><Unknown><Deep>x</Deep></Unknown></s3:Object><Other/><Ünknown_名前 é='1'/></s3:Delete>",
    );
    expect(doc).toEqual({ Objects: [{ Key: 'k"' }] });
  });
});

describe("bounds on a request document", () => {
  const parts = (n: number) => Array.from({ length: n }, (_, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>e</ETag></Part>`).join("");

  it("takes S3's 10,000 parts and refuses the 10,001st unread", () => {
    expect(decodeXml<CompletedMultipartUpload>("CompletedMultipartUpload", `<CompleteMultipartUpload>${parts(10_000)}</CompleteMultipartUpload>`).Parts).toHaveLength(10_000);
    malformed("CompletedMultipartUpload", `<CompleteMultipartUpload>${parts(10_001)}</CompleteMultipartUpload>`);
  });

  it("refuses deep nesting, many attributes and floods of unknown elements", () => {
    malformed("Delete", `<Delete>${"<a>".repeat(20)}${"</a>".repeat(20)}</Delete>`);
    expect(decodeXml<Delete>("Delete", `<Delete><Object><Key>k</Key>${"<a>".repeat(10)}${"</a>".repeat(10)}</Object></Delete>`).Objects).toHaveLength(1);
    malformed("Delete", `<Delete><Object${Array.from({ length: 40 }, (_, i) => ` a${i}="x"`).join("")}><Key>k</Key></Object></Delete>`);
    malformed("Delete", `<Delete>${"<u/>".repeat(100_001)}<Object><Key>k</Key></Object></Delete>`);
  });

  it("decodes a 2 MiB worst-case document in well under the time the old parser took", () => {
    // 1000 keys of 1024 bytes, every character a reference: the costliest DeleteObjects S3 allows
    const key = "&#34;".repeat(340);
    const text = `<Delete>${`<Object><Key>${key}</Key></Object>`.repeat(1000)}</Delete>`;
    expect(text.length).toBeLessThanOrEqual(2 * 1024 * 1024);
    const start = performance.now();
    const doc = decodeXml<Delete>("Delete", text);
    const ms = performance.now() - start;
    expect(doc.Objects[999].Key).toBe('"'.repeat(340));
    expect(ms).toBeLessThan(400); // ~30 ms here; fast-xml-parser took ~600 ms for this document
  });
});

describe("the ozone-site.xml reader follows the same rules", () => {
  const site = (body: string) => `<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>\n<configuration>${body}</configuration>`;

  it("decodes references in element text and attribute values", () => {
    const { values, problems } = ozoneFromSiteXml(
      site('<property><name>ozone.s3g.volume.name</name><value>v&#x31;&amp;</value></property><property name="ozone.om.address" value="om&#46;example:9862"/>'),
    );
    expect(problems).toEqual([]);
    expect(values.volume).toBe("v1&");
    expect(values.omAddresses).toEqual(["om.example:8981"]);
  });

  it("accepts a DOCTYPE without an internal subset", () => {
    const { values, problems } = ozoneFromSiteXml(`<!DOCTYPE configuration SYSTEM "configuration.dtd">${site("<property><name>ozone.s3g.volume.name</name><value>vol</value></property>").replace(/^<\?xml[^>]*>\n/, "")}`);
    expect(problems).toEqual([]);
    expect(values.volume).toBe("vol");
  });

  it.each([
    ["an HTML entity", "&nbsp;"],
    ["a reference to NUL", "&#0;"],
    ["a lone surrogate", "&#xD800;"],
  ])("refuses %s with a problem naming the line", (_what, ref) => {
    const { problems } = ozoneFromSiteXml(site(`\n<property><name>ozone.s3g.volume.name</name><value>v${ref}</value></property>`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^not well-formed XML: .* \(line 4\)$/);
  });

  it("refuses an internal DTD subset (no entity can be declared)", () => {
    const { problems } = ozoneFromSiteXml('<!DOCTYPE configuration [<!ENTITY x "y">]><configuration/>');
    expect(problems[0]).toMatch(/^not well-formed XML: /);
  });

  it("normalises attribute values as XML says (literal tab/LF become spaces, references stay)", () => {
    const root = parseXmlTree('<a v="x\ty\nz" w="x&#x9;y&#xA;z"/>', { maxDepth: 4, maxElements: 10, maxAttributes: 4 });
    expect(root.attributes).toEqual([
      ["v", "x y z"],
      ["w", "x\ty\nz"],
    ]);
  });
});
