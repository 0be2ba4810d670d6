/**
 * PutBucketLifecycleConfiguration's checks (runtime/lifecycle/rules.ts), rule by rule: S3's error
 * code for each refusal, and the round trip of what is accepted.
 */
import { describe, expect, it } from "vitest";
import type { BucketLifecycleConfiguration, LifecycleRule } from "../../generated/types/shapes.js";
import { S3Error } from "../../runtime/errors.js";
import { lifecycleConfigurationOf, lifecycleRulesOf } from "../../runtime/lifecycle/rules.js";

const ok: LifecycleRule = { ID: "r1", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 30 } };
const config = (...rules: LifecycleRule[]): BucketLifecycleConfiguration => ({ Rules: rules });

function refusal(c: BucketLifecycleConfiguration): string | undefined {
  try {
    lifecycleRulesOf(c);
    return undefined;
  } catch (err) {
    return (err as S3Error).code;
  }
}

describe("lifecycleRulesOf", () => {
  it.each([
    ["no rule", config(), "MalformedXML"],
    ["1001 rules", config(...Array.from({ length: 1001 }, (_, i) => ({ ...ok, ID: `r${i}` }))), "MalformedXML"],
    ["a Status other than Enabled/Disabled", config({ ...ok, Status: "enabled" }), "MalformedXML"],
    ["Filter and the legacy Prefix", config({ ...ok, Prefix: "a" }), "MalformedXML"],
    ["neither Filter nor Prefix", config({ ID: "r", Status: "Enabled", Expiration: { Days: 1 } }), "MalformedXML"],
    ["two conditions outside And", config({ ...ok, Filter: { Prefix: "a", ObjectSizeLessThan: 5 } }), "MalformedXML"],
    ["And with one condition", config({ ...ok, Filter: { And: { Prefix: "a" } } }), "MalformedXML"],
    ["no action", config({ ID: "r", Status: "Enabled", Filter: {} }), "InvalidRequest"],
    ["Expiration with Days and Date", config({ ...ok, Expiration: { Days: 1, Date: new Date("2030-01-01T00:00:00Z") } }), "MalformedXML"],
    ["an empty Expiration", config({ ...ok, Expiration: {} }), "MalformedXML"],
    ["Days 0", config({ ...ok, Expiration: { Days: 0 } }), "InvalidArgument"],
    ["a Date not at midnight UTC", config({ ...ok, Expiration: { Date: new Date("2030-01-01T10:00:00Z") } }), "InvalidArgument"],
    ["an ID of 256 characters", config({ ...ok, ID: "x".repeat(256) }), "InvalidArgument"],
    ["the same ID twice", config(ok, { ...ok, Filter: { Prefix: "other/" } }), "InvalidArgument"],
    ["ExpiredObjectDeleteMarker with a tag", config({ ...ok, Filter: { Tag: { Key: "k", Value: "v" } }, Expiration: { ExpiredObjectDeleteMarker: true } }), "InvalidRequest"],
    ["AbortIncompleteMultipartUpload with tags", config({ ...ok, Expiration: undefined, Filter: { And: { Prefix: "a", Tags: [{ Key: "k", Value: "v" }] } }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }), "InvalidRequest"],
    ["DaysAfterInitiation 0", config({ ...ok, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 0 } }), "InvalidArgument"],
    ["NoncurrentDays missing", config({ ...ok, NoncurrentVersionExpiration: {} }), "InvalidArgument"],
    ["NewerNoncurrentVersions 101", config({ ...ok, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 101 } }), "InvalidArgument"],
    ["ObjectSizeGreaterThan not below ObjectSizeLessThan", config({ ...ok, Filter: { And: { ObjectSizeGreaterThan: 10, ObjectSizeLessThan: 10 } } }), "InvalidArgument"],
    ["the same tag key twice", config({ ...ok, Filter: { And: { Tags: [{ Key: "k", Value: "1" }, { Key: "k", Value: "2" }] } } }), "InvalidTag"],
    ["a Transition (one storage class here)", config({ ...ok, Transitions: [{ Days: 30, StorageClass: "GLACIER" }] }), "NotImplemented"],
    ["a NoncurrentVersionTransition", config({ ...ok, NoncurrentVersionTransitions: [{ NoncurrentDays: 30, StorageClass: "GLACIER" }] }), "NotImplemented"],
  ] as [string, BucketLifecycleConfiguration, string][])("refuses %s", (_name, c, code) => {
    expect(refusal(c)).toBe(code);
  });

  it("accepts every form and answers it back as given; a rule without an ID gets one", () => {
    const given = config(
      ok,
      { ID: "legacy", Status: "Disabled", Prefix: "old/", Expiration: { Date: new Date("2030-01-01T00:00:00Z") } },
      { ID: "tag", Status: "Enabled", Filter: { Tag: { Key: "k", Value: "v" } }, NoncurrentVersionExpiration: { NoncurrentDays: 3, NewerNoncurrentVersions: 2 } },
      { ID: "and", Status: "Enabled", Filter: { And: { Prefix: "p/", Tags: [{ Key: "a", Value: "1" }], ObjectSizeGreaterThan: 1, ObjectSizeLessThan: 9 } }, Expiration: { Days: 7 } },
      { ID: "all", Status: "Enabled", Filter: {}, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 }, Expiration: { ExpiredObjectDeleteMarker: true } },
    );
    const back = lifecycleConfigurationOf(lifecycleRulesOf(given));
    expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify(given)));
    const [noId] = lifecycleRulesOf(config({ Status: "Enabled", Filter: {}, Expiration: { Days: 1 } }));
    expect(noId!.id).toMatch(/^[A-Za-z0-9+/=]{8,255}$/);
  });
});
