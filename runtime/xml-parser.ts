/**
 * A small, single-pass, non-validating XML 1.0 reader for request bodies and site files.
 *
 * Why not a library: the documents S3 clients send are small and plain, but what a hostile client
 * sends is not. A validate-then-parse library pass cost ~0.7-1.9 s of event loop for a 2 MiB body
 * (deep nesting, thousands of unknown elements, many attributes); this reader makes one pass over
 * the text, allocates nothing for what its consumer does not keep, and stops at the first problem or
 * the first limit (depth, element count, attributes per element).
 *
 * What it reads (XML 1.0 fifth edition, https://www.w3.org/TR/xml/), without a DTD:
 * - elements, attributes, text, CDATA sections, comments, processing instructions, the XML
 *   declaration; namespace prefixes are dropped from element names (S3 documents use the default
 *   namespace only, and clients spell it differently);
 * - references: exactly the five predefined entities (&lt; &gt; &amp; &apos; &quot;) and character
 *   references (&#N; &#xH;), which name the characters they stand for. Go's encoding/xml writes `"`
 *   as &#34;, tab/LF/CR as &#x9;/&#xA;/&#xD;; the JavaScript SDK writes CR/LF as &#x0D;/&#x0A;.
 *   Any other entity name (HTML's &nbsp;...) is an error, and so is a reference to a character
 *   XML does not allow (§2.2 Char: &#0;, a lone surrogate, anything above U+10FFFF);
 * - line ends are normalised as §2.11 says: a literal CR LF or lone CR becomes LF before parsing,
 *   whereas &#xD; stays a CR. Attribute values are normalised as §3.3.3 says (literal tab, LF, CR
 *   become spaces; references keep their characters). Text is otherwise kept exactly, whitespace
 *   included (S3 keys may begin or end with spaces, or be only whitespace);
 * - a DOCTYPE is refused unless the caller allows one without an internal subset (so no entity is
 *   ever declared, and nothing is ever fetched).
 */

/** Thrown for a document that is not well-formed or exceeds a limit; `offset` is where in the text. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "XmlSyntaxError";
  }

  /** 1-based line of the problem in `text` (for messages about files). */
  lineIn(text: string): number {
    let line = 1;
    for (let i = 0; i < this.offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
    return line;
  }
}

export interface XmlLimits {
  /** deepest element nesting allowed (the root is depth 1) */
  maxDepth: number;
  /** most elements a document may have, all of them counted */
  maxElements: number;
  /** most attributes one element may have (namespace declarations included) */
  maxAttributes: number;
  /** accept a DOCTYPE without an internal subset (and ignore it); default: refuse any DOCTYPE */
  allowDoctype?: boolean;
}

/** What the reader reports, in document order. `name` is the element's local name (prefix dropped). */
export interface XmlHandler {
  /** an element starts; `attributes` holds [qualified name, value] pairs, or is empty */
  open(name: string, attributes: ReadonlyArray<readonly [string, string]>): void;
  /** character data of the current element (references decoded); may come in several pieces */
  text(text: string): void;
  /** the current element ends */
  close(name: string): void;
}

// §2.3 NameStartChar / NameChar, as sticky regexes (astral ranges through the u flag).
const NAME = /[:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}][:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}\-.0-9\u00B7\u0300-\u036F\u203F-\u2040]*/uy;
// §2.2 Char: characters that may not appear in a document at all (lone surrogates are \p{Cs} under u).
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/u;
const PREDEFINED = new Map([["lt", "<"], ["gt", ">"], ["amp", "&"], ["apos", "'"], ["quot", '"']]);
const XML_DECL = /<\?xml[ \t\n](?:[^?]|\?(?!>))*\?>/y;

/** Is `cp` a character XML 1.0 allows (§2.2 Char)? */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x9 || c === 0xa || c === 0xd;
}

/**
 * Decodes the references in `s` (text or an attribute value, already free of `<`). `start` is the
 * offset of `s` in the document, for error positions.
 */
export function decodeReferences(s: string, start = 0): string {
  let amp = s.indexOf("&");
  if (amp < 0) return s;
  const out: string[] = [];
  let from = 0;
  while (amp >= 0) {
    if (amp > from) out.push(s.slice(from, amp));
    let j = amp + 1;
    if (s.charCodeAt(j) === 0x23 /* # */) {
      // a character reference: digits read one by one (no slicing, no number past U+10FFFF kept)
      const hex = s.charCodeAt(j + 1) === 0x78; /* 'x' (lower case only, §4.1) */
      j += hex ? 2 : 1;
      const first = j;
      let cp = 0;
      for (;; j++) {
        const c = s.charCodeAt(j);
        const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : hex && c >= 0x61 && c <= 0x66 ? c - 0x57 : hex && c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
        if (d < 0) break;
        cp = Math.min(cp * (hex ? 16 : 10) + d, 0x110000);
      }
      if (j === first || s.charCodeAt(j) !== 0x3b /* ; */) throw new XmlSyntaxError("bad character reference", start + amp);
      if (!isXmlChar(cp)) throw new XmlSyntaxError(`${s.slice(amp, j + 1)} refers to a character XML does not allow`, start + amp);
      out.push(String.fromCodePoint(cp));
    } else {
      const semi = s.indexOf(";", j);
      // the predefined entities are short: a far-away ';' does not end this one
      const named = semi < 0 || semi - j > 4 ? undefined : PREDEFINED.get(s.slice(j, semi));
      if (named === undefined) throw new XmlSyntaxError("'&' that does not start a character reference or one of XML's five entities", start + amp);
      out.push(named);
      j = semi;
    }
    from = j + 1;
    amp = s.indexOf("&", from);
  }
  if (from < s.length) out.push(s.slice(from));
  return out.join("");
}

/** §3.3.3: literal whitespace in an attribute value becomes a space; then references are decoded. */
function attributeValue(raw: string, start: number): string {
  if (raw.includes("<")) throw new XmlSyntaxError("'<' in an attribute value", start + raw.indexOf("<"));
  return decodeReferences(/[\t\n\r]/.test(raw) ? raw.replace(/[\t\n\r]/g, " ") : raw, start);
}

/**
 * Reads `input` (a whole document) and reports it to `handler`. Throws XmlSyntaxError on the first
 * problem; the handler may throw too, which stops the reading.
 */
export function readXml(input: string, handler: XmlHandler, limits: XmlLimits): void {
  if (FORBIDDEN_CHAR.test(input)) {
    throw new XmlSyntaxError("a character XML does not allow", input.search(FORBIDDEN_CHAR));
  }
  const text = input.includes("\r") ? input.replace(/\r\n?/g, "\n") : input;
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  XML_DECL.lastIndex = i;
  if (XML_DECL.test(text)) {
    if (!/^<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*("1\.\d+"|'1\.\d+')/.test(text.slice(i))) throw new XmlSyntaxError("bad XML declaration", i);
    i = XML_DECL.lastIndex;
  }

  const stack: string[] = []; // qualified names of the open elements
  let elements = 0;
  let rootSeen = false;
  const noAttributes: ReadonlyArray<readonly [string, string]> = [];

  const fail = (what: string, at: number): never => {
    throw new XmlSyntaxError(what, at);
  };
  const readName = (at: number): string => {
    // ASCII names (all of S3's) without the regex: a letter, '_' or ':' first, then also digits, '-', '.'
    let j = at;
    for (;; j++) {
      const c = text.charCodeAt(j);
      const start = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
      if (!start && !(j > at && ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e))) break;
    }
    if (j > at && !(text.charCodeAt(j) >= 0x80)) return text.slice(at, j);
    NAME.lastIndex = at;
    const m = NAME.exec(text);
    if (m === null) fail("a name was expected", at);
    return m![0];
  };
  const localName = (q: string): string => {
    const colon = q.indexOf(":");
    return colon < 0 ? q : q.slice(colon + 1);
  };
  const skipSpace = (at: number): number => {
    while (at < n && isSpace(text.charCodeAt(at))) at++;
    return at;
  };

  while (i < n) {
    const lt = text.indexOf("<", i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      // character data
      const raw = text.slice(i, end);
      if (stack.length === 0) {
        if (!/^[ \t\n]*$/.test(raw)) fail("text outside the root element", i);
      } else {
        if (raw.includes("]]>")) fail("']]>' in text", i + raw.indexOf("]]>"));
        handler.text(decodeReferences(raw, i));
      }
    }
    if (lt < 0) break;
    i = lt;
    const c = text.charCodeAt(i + 1);
    if (c === 0x2f /* / */) {
      // end tag
      const name = readName(i + 2);
      const open = stack.pop();
      if (open !== name) fail(open === undefined ? `end tag </${name}> without a start tag` : `</${name}> where </${open}> was expected`, i);
      const gt = skipSpace(i + 2 + name.length);
      if (text.charCodeAt(gt) !== 0x3e) fail("'>' expected", gt);
      i = gt + 1;
      handler.close(localName(name));
    } else if (c === 0x21 /* ! */) {
      if (text.startsWith("<!--", i)) {
        const close = text.indexOf("--", i + 4);
        if (close < 0 || text.charCodeAt(close + 2) !== 0x3e) fail("a comment that does not end in '-->' (or has '--' inside)", i);
        i = close + 3;
      } else if (text.startsWith("<![CDATA[", i)) {
        if (stack.length === 0) fail("CDATA outside the root element", i);
        const close = text.indexOf("]]>", i + 9);
        if (close < 0) fail("unterminated CDATA section", i);
        handler.text(text.slice(i + 9, close));
        i = close + 3;
      } else if (text.startsWith("<!DOCTYPE", i)) {
        if (!limits.allowDoctype || rootSeen) fail("a DOCTYPE is not accepted here", i);
        // <!DOCTYPE name (SYSTEM "..." | PUBLIC "..." "...")? > : no internal subset, so no entity declarations
        const m = /<!DOCTYPE[ \t\n]+[^ \t\n>[]+(?:[ \t\n]+(?:SYSTEM|PUBLIC)(?:[ \t\n]+(?:"[^"]*"|'[^']*'))+)?[ \t\n]*>/y;
        m.lastIndex = i;
        if (!m.test(text)) fail("a DOCTYPE with an internal subset is not accepted", i);
        i = m.lastIndex;
      } else {
        fail("unexpected '<!'", i);
      }
    } else if (c === 0x3f /* ? */) {
      const target = readName(i + 2);
      if (target.toLowerCase() === "xml") fail("an XML declaration not at the very start", i);
      const close = text.indexOf("?>", i + 2 + target.length);
      if (close < 0) fail("unterminated processing instruction", i);
      const after = text.charCodeAt(i + 2 + target.length);
      if (close !== i + 2 + target.length && !isSpace(after)) fail("bad processing instruction", i);
      i = close + 2;
    } else {
      // start tag or empty-element tag
      if (stack.length === 0 && rootSeen) fail("a second root element", i);
      const name = readName(i + 1);
      let at = i + 1 + name.length;
      let attributes = noAttributes;
      for (;;) {
        const spaced = skipSpace(at);
        const ch = text.charCodeAt(spaced);
        if (ch === 0x3e /* > */ || (ch === 0x2f /* / */ && text.charCodeAt(spaced + 1) === 0x3e)) {
          at = spaced;
          break;
        }
        if (spaced === at) fail("whitespace expected before an attribute", at);
        const attr = readName(spaced);
        let eq = skipSpace(spaced + attr.length);
        if (text.charCodeAt(eq) !== 0x3d /* = */) fail("'=' expected after an attribute name", eq);
        eq = skipSpace(eq + 1);
        const quote = text.charCodeAt(eq);
        if (quote !== 0x22 && quote !== 0x27) fail("a quoted attribute value expected", eq);
        const close = text.indexOf(quote === 0x22 ? '"' : "'", eq + 1);
        if (close < 0) fail("unterminated attribute value", eq);
        if (attributes === noAttributes) attributes = [];
        if (attributes.length >= limits.maxAttributes) fail(`more than ${limits.maxAttributes} attributes on one element`, spaced);
        for (const [seen] of attributes) if (seen === attr) fail(`attribute ${attr} given twice`, spaced);
        (attributes as Array<readonly [string, string]>).push([attr, attributeValue(text.slice(eq + 1, close), eq + 1)]);
        at = close + 1;
      }
      if (++elements > limits.maxElements) fail(`more than ${limits.maxElements} elements`, i);
      if (stack.length >= limits.maxDepth) fail(`elements nested deeper than ${limits.maxDepth}`, i);
      rootSeen = true;
      const local = localName(name);
      handler.open(local, attributes);
      if (text.charCodeAt(at) === 0x2f) {
        handler.close(local);
        i = at + 2;
      } else {
        stack.push(name);
        i = at + 1;
      }
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]}> is not closed`, n);
  if (!rootSeen) fail("no root element", n);
}

/** A generic element tree, for callers that want one (the ozone-site.xml reader). */
export interface XmlElement {
  name: string;
  attributes: ReadonlyArray<readonly [string, string]>;
  children: XmlElement[];
  /** the element's own character data, concatenated */
  text: string;
}

/** Reads a whole document into a tree; returns the root element. */
export function parseXmlTree(input: string, limits: XmlLimits): XmlElement {
  const root: XmlElement = { name: "", attributes: [], children: [], text: "" };
  const stack: XmlElement[] = [root];
  readXml(
    input,
    {
      open(name, attributes) {
        const el: XmlElement = { name, attributes, children: [], text: "" };
        stack[stack.length - 1].children.push(el);
        stack.push(el);
      },
      text(t) {
        stack[stack.length - 1].text += t;
      },
      close() {
        stack.pop();
      },
    },
    limits,
  );
  return root.children[0];
}
