/**
 * A statement's Condition block, compiled once ("IAM JSON policy elements: Condition operators",
 * IAM User Guide): `{"<Operator>": {"<key>": <value or values>}}`, every operator and every key
 * of it must hold. An operator is a base name (StringEquals, NumericLessThan, IpAddress, Null...),
 * optionally qualified by `ForAnyValue:` or `ForAllValues:` (for multi-valued keys) and optionally
 * ending in `IfExists` (true when the request lacks the key).
 *
 * A condition on one key with several policy values holds when the request's value matches any of
 * them (for a negated operator, none of them). A request without the key: a positive operator
 * fails, a negated one holds (IAM: "If the key that you specify in a policy condition is not
 * present in the request context, the values do not match", and a negated operator's result is
 * the negation of the match); ...IfExists holds; ForAllValues holds (the empty set), ForAnyValue
 * fails.
 */
import { isIP } from "node:net";
import { S3Error } from "../../errors.js";
import { compileGlob, globMatch, type Glob, type VariableLookup } from "./glob.js";
import { inCidr, ipBytes, type Cidr } from "./ip.js";

type Family = "string" | "numeric" | "date" | "bool" | "binary" | "ip" | "arn" | "null";

interface BaseOperator {
  readonly family: Family;
  readonly negated: boolean;
  /** string family: wildcards (`Like`), case-insensitive (`IgnoreCase`); numeric and date: the comparison */
  readonly like?: boolean;
  readonly ignoreCase?: boolean;
  readonly compare?: "eq" | "lt" | "le" | "gt" | "ge";
}

const BASE_OPERATORS: ReadonlyMap<string, BaseOperator> = new Map<string, BaseOperator>([
  ["StringEquals", { family: "string", negated: false }],
  ["StringNotEquals", { family: "string", negated: true }],
  ["StringEqualsIgnoreCase", { family: "string", negated: false, ignoreCase: true }],
  ["StringNotEqualsIgnoreCase", { family: "string", negated: true, ignoreCase: true }],
  ["StringLike", { family: "string", negated: false, like: true }],
  ["StringNotLike", { family: "string", negated: true, like: true }],
  ["NumericEquals", { family: "numeric", negated: false, compare: "eq" }],
  ["NumericNotEquals", { family: "numeric", negated: true, compare: "eq" }],
  ["NumericLessThan", { family: "numeric", negated: false, compare: "lt" }],
  ["NumericLessThanEquals", { family: "numeric", negated: false, compare: "le" }],
  ["NumericGreaterThan", { family: "numeric", negated: false, compare: "gt" }],
  ["NumericGreaterThanEquals", { family: "numeric", negated: false, compare: "ge" }],
  ["DateEquals", { family: "date", negated: false, compare: "eq" }],
  ["DateNotEquals", { family: "date", negated: true, compare: "eq" }],
  ["DateLessThan", { family: "date", negated: false, compare: "lt" }],
  ["DateLessThanEquals", { family: "date", negated: false, compare: "le" }],
  ["DateGreaterThan", { family: "date", negated: false, compare: "gt" }],
  ["DateGreaterThanEquals", { family: "date", negated: false, compare: "ge" }],
  ["Bool", { family: "bool", negated: false }],
  ["BinaryEquals", { family: "binary", negated: false }],
  ["IpAddress", { family: "ip", negated: false }],
  ["NotIpAddress", { family: "ip", negated: true }],
  // ArnEquals and ArnLike behave alike: both take wildcards in each ARN segment
  ["ArnEquals", { family: "arn", negated: false }],
  ["ArnLike", { family: "arn", negated: false }],
  ["ArnNotEquals", { family: "arn", negated: true }],
  ["ArnNotLike", { family: "arn", negated: true }],
  ["Null", { family: "null", negated: false }],
]);

export interface CompiledCondition {
  /** the operator as written ("ForAnyValue:StringLikeIfExists") */
  readonly operator: string;
  /** the base operator ("StringLike") */
  readonly base: string;
  readonly family: Family;
  readonly negated: boolean;
  readonly qualifier: "none" | "any" | "all";
  readonly ifExists: boolean;
  /** the key, normalised by conditionKey() */
  readonly key: string;
  /** the policy's values as written (isPublic reads them) */
  readonly values: readonly string[];
  /** whether one request value matches any of the policy's values (the operator's positive form) */
  readonly matches: (value: string, lookup: VariableLookup) => boolean;
}

/**
 * Condition keys are case-insensitive, except what follows the `/` of a tag key
 * (`s3:ExistingObjectTag/<tag key>`, `aws:RequestTag/<tag key>`): tag keys are case-sensitive.
 */
export function conditionKey(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? key.toLowerCase() : key.slice(0, slash).toLowerCase() + key.slice(slash);
}

function malformed(message: string): S3Error {
  return new S3Error("MalformedPolicy", message);
}

/** A date as IAM reads one: ISO 8601 (a date, or a date and time) or seconds since the epoch. */
export function parseDate(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

function parseNumber(text: string): number | undefined {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text.trim())) return undefined;
  return Number(text);
}

function compare(op: BaseOperator["compare"], a: number, b: number): boolean {
  switch (op) {
    case "eq":
      return a === b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
    case "gt":
      return a > b;
    default:
      return a >= b;
  }
}

/** An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as node reports IPv4 peers of a dual-stack socket) as its IPv4 form. */
export function plainIp(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function compileIpSet(values: readonly string[]): Cidr[] {
  return values.map((v) => {
    const [addr, bits, ...rest] = v.trim().split("/");
    const bytes = ipBytes(addr);
    const max = bytes?.length === 16 ? 128 : 32;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (bytes === undefined || rest.length > 0 || !(prefix >= 0 && prefix <= max)) {
      throw malformed(`Invalid IP address or CIDR in policy: ${v}`);
    }
    return { bytes, prefix };
  });
}

function matcherOf(op: BaseOperator, values: readonly string[], operator: string, variables: boolean): CompiledCondition["matches"] {
  switch (op.family) {
    case "string":
    case "arn": {
      const ignoreCase = op.ignoreCase === true;
      const globs: Glob[] = values.map((v) => compileGlob(v, { wildcards: op.like === true || op.family === "arn", variables, ignoreCase }));
      return (value, lookup) => {
        const v = ignoreCase ? value.toLowerCase() : value;
        for (const g of globs) if (globMatch(g, v, lookup)) return true;
        return false;
      };
    }
    case "numeric": {
      const nums = values.map((v) => {
        const n = parseNumber(v);
        if (n === undefined) throw malformed(`Invalid numeric value in ${operator} condition: ${v}`);
        return n;
      });
      return (value) => {
        const n = parseNumber(value);
        return n !== undefined && nums.some((p) => compare(op.compare, n, p));
      };
    }
    case "date": {
      const dates = values.map((v) => {
        const t = parseDate(v);
        if (t === undefined) throw malformed(`Invalid date value in ${operator} condition: ${v}`);
        return t;
      });
      return (value) => {
        const t = parseDate(value);
        return t !== undefined && dates.some((p) => compare(op.compare, t, p));
      };
    }
    case "bool": {
      const want = values.map((v) => v.toLowerCase());
      if (want.some((v) => v !== "true" && v !== "false")) throw malformed(`Invalid boolean value in ${operator} condition`);
      return (value) => want.includes(value.toLowerCase());
    }
    case "binary":
      return (value) => values.includes(value);
    case "ip": {
      const ranges = compileIpSet(values);
      return (value) => {
        const addr = ipBytes(plainIp(value));
        return addr !== undefined && ranges.some((r) => inCidr(r, addr));
      };
    }
    case "null": {
      const want = values.map((v) => v.toLowerCase());
      if (want.some((v) => v !== "true" && v !== "false")) throw malformed(`Invalid boolean value in ${operator} condition`);
      // evaluated by presence (evaluateCondition); this is never asked
      return () => false;
    }
  }
}

/** A policy value or list of values as strings (IAM accepts numbers and booleans unquoted). */
function valuesOf(v: unknown, operator: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw malformed(`Empty value list in ${operator} condition`);
  return list.map((x) => {
    if (typeof x === "string") return x;
    if (typeof x === "number" || typeof x === "boolean") return String(x);
    throw malformed(`Invalid value in ${operator} condition`);
  });
}

/** Compiles a statement's Condition element. */
export function compileConditions(block: unknown, variables: boolean): CompiledCondition[] {
  if (block === undefined) return [];
  if (block === null || typeof block !== "object" || Array.isArray(block)) throw malformed("Condition must be an object");
  const out: CompiledCondition[] = [];
  for (const [operator, keys] of Object.entries(block as Record<string, unknown>)) {
    let name = operator;
    let qualifier: CompiledCondition["qualifier"] = "none";
    if (name.startsWith("ForAnyValue:")) {
      qualifier = "any";
      name = name.slice("ForAnyValue:".length);
    } else if (name.startsWith("ForAllValues:")) {
      qualifier = "all";
      name = name.slice("ForAllValues:".length);
    }
    const ifExists = name.endsWith("IfExists") && name !== "IfExists";
    if (ifExists) name = name.slice(0, -"IfExists".length);
    const op = BASE_OPERATORS.get(name);
    // (AWS refuses an operator it does not know; the wording of its message is ours)
    if (op === undefined || (ifExists && op.family === "null")) throw malformed(`Invalid Condition type : ${operator}`);
    if (keys === null || typeof keys !== "object" || Array.isArray(keys)) throw malformed(`Invalid Condition block for ${operator}`);
    for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
      if (key === "") throw malformed("Policy has an invalid condition key");
      const values = valuesOf(value, operator);
      out.push({
        operator,
        base: name,
        family: op.family,
        negated: op.negated,
        qualifier,
        ifExists,
        key: conditionKey(key),
        values,
        matches: matcherOf(op, values, operator, variables),
      });
    }
  }
  return out;
}

/** Whether the condition holds for the request's values of its key (undefined: the request lacks it). */
export function conditionHolds(c: CompiledCondition, values: readonly string[] | undefined, lookup: VariableLookup): boolean {
  const absent = values === undefined || values.length === 0;
  if (c.family === "null") {
    // "Null": {"key": "true"} holds when the key is absent, "false" when it is present
    return c.values.some((v) => (v.toLowerCase() === "true") === absent);
  }
  if (absent) {
    if (c.ifExists) return true;
    if (c.qualifier === "all") return true;
    if (c.qualifier === "any") return false;
    return c.negated;
  }
  const m = (v: string) => c.matches(v, lookup);
  if (c.qualifier === "all") return values.every((v) => (c.negated ? !m(v) : m(v)));
  if (c.negated) return c.qualifier === "any" ? values.some((v) => !m(v)) : !values.some(m);
  return values.some(m);
}
