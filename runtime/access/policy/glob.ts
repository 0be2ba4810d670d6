/**
 * IAM's wildcard matching, compiled once per policy: `*` matches any run of characters (also
 * none, also across `/`), `?` exactly one ("IAM JSON policy elements: Resource", "Condition
 * operators: String condition operators", IAM User Guide). Patterns are matched without building a
 * regular expression per request: a pattern is a list of parts (literal text, `*`, `?`, or a policy
 * variable such as `${aws:username}` whose value is read from the request), and the match is the
 * classic linear wildcard walk (a `*` remembers where to resume when a later literal fails).
 *
 * Policy variables ("IAM policy elements: Variables and tags", IAM User Guide): `${key}` is the
 * request's value of a condition key, inserted literally (its own `*` or `?` are not wildcards);
 * `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`. A variable whose key the request
 * lacks makes the pattern match nothing (IAM: "the policy does not match"), and so does a key
 * with several values.
 */

/** One piece of a compiled pattern. */
type Part =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "star" }
  | { readonly kind: "one" }
  | { readonly kind: "var"; readonly key: string };

export interface Glob {
  /**
   * "any": the pattern is `*`; "literal": no wildcard and no variable (compare `text`); "prefix":
   * `text` then one `*` (the common `arn:aws:s3:::bucket/*`: a startsWith)
   */
  readonly shape: "any" | "literal" | "prefix" | "wild";
  readonly text: string;
  readonly parts: readonly Part[];
  readonly hasVariables: boolean;
  /** the units of a pattern without variables, computed once */
  readonly fixed?: readonly (string | number)[];
  /** compare without regard to case (actions, the IgnoreCase string operators) */
  readonly ignoreCase: boolean;
}

/** Resolves a policy variable's key (lower-case) to its single value, or undefined. */
export type VariableLookup = (key: string) => string | undefined;

const NO_VARIABLES: VariableLookup = () => undefined;

/** Units of a pattern once its variables are resolved: a literal character, or a wildcard. */
const STAR = -1;
const ONE = -2;

/**
 * Compiles `pattern`. `wildcards`: whether `*` and `?` are wildcards (StringEquals takes them
 * literally, StringLike does not); `variables`: whether `${...}` is a policy variable (in
 * Resource and Condition values, not in Action or Principal).
 */
export function compileGlob(pattern: string, opts: { wildcards: boolean; variables: boolean; ignoreCase?: boolean }): Glob {
  const ignoreCase = opts.ignoreCase === true;
  const src = ignoreCase ? pattern.toLowerCase() : pattern;
  const parts: Part[] = [];
  let text = "";
  const flush = () => {
    if (text !== "") parts.push({ kind: "text", text });
    text = "";
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (opts.variables && c === "$" && src[i + 1] === "{") {
      const end = src.indexOf("}", i + 2);
      if (end > 0) {
        const name = src.slice(i + 2, end).trim();
        i = end;
        if (name === "*" || name === "?" || name === "$") {
          text += name;
          continue;
        }
        flush();
        parts.push({ kind: "var", key: name.toLowerCase() });
        continue;
      }
    }
    if (opts.wildcards && c === "*") {
      flush();
      // two stars in a row match what one does
      if (parts.at(-1)?.kind !== "star") parts.push({ kind: "star" });
    } else if (opts.wildcards && c === "?") {
      flush();
      parts.push({ kind: "one" });
    } else {
      text += c;
    }
  }
  flush();
  const hasVariables = parts.some((p) => p.kind === "var");
  const shape =
    parts.length === 1 && parts[0].kind === "star"
      ? "any"
      : parts.every((p) => p.kind === "text")
        ? "literal"
        : parts.length === 2 && parts[0].kind === "text" && parts[1].kind === "star"
          ? "prefix"
          : "wild";
  const whole = shape === "literal" ? parts.map((p) => (p as { text: string }).text).join("") : shape === "prefix" ? (parts[0] as { text: string }).text : "";
  const g: Glob = { shape, text: whole, parts, hasVariables, ignoreCase };
  return hasVariables || shape !== "wild" ? g : { ...g, fixed: units(g, NO_VARIABLES) };
}

function units(g: Glob, lookup: VariableLookup): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  for (const p of g.parts) {
    switch (p.kind) {
      case "text":
        for (let i = 0; i < p.text.length; i++) out.push(p.text[i]);
        break;
      case "star":
        out.push(STAR);
        break;
      case "one":
        out.push(ONE);
        break;
      case "var": {
        const v = lookup(p.key);
        if (v === undefined) return undefined;
        const t = g.ignoreCase ? v.toLowerCase() : v;
        for (let i = 0; i < t.length; i++) out.push(t[i]);
        break;
      }
    }
  }
  return out;
}

/**
 * Whether `value` matches the compiled pattern. `value` must already be lower-case when the
 * pattern ignores case (callers lower-case it once, not once per pattern).
 */
export function globMatch(g: Glob, value: string, lookup: VariableLookup = NO_VARIABLES): boolean {
  if (g.shape === "any") return true;
  if (g.shape === "literal") return g.text === value;
  if (g.shape === "prefix") return value.startsWith(g.text);
  const p = g.fixed ?? units(g, lookup);
  if (p === undefined) return false;
  // UTF-16 code units on both sides: a `?` matches one of them (keys are rarely outside the BMP)
  const s = value;
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    const u = p[pi];
    if (pi < p.length && (u === ONE || u === s[si])) {
      pi++;
      si++;
    } else if (pi < p.length && u === STAR) {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === STAR) pi++;
  return pi === p.length;
}
