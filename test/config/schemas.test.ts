/**
 * The gateway's ajv instances do not check their schemas against JSON Schema's meta-schema at start
 * (validateSchema: false: it made ajv compile the draft-07 meta-schema in every process). The
 * schemas are constants, so they are checked here, once: the configuration's, the users file's and
 * the generated ones (request parameters, XML bodies, shapes).
 */
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { paramSchemas, shapesSchema, xmlBodySchemas } from "../../generated/schemas.js";
import { CONFIG_SCHEMA } from "../../runtime/config.js";
import { USERS_FILE_SCHEMA } from "../../runtime/users-file.js";

const schemas: [string, unknown][] = [
  ["the configuration", CONFIG_SCHEMA],
  ["the users file", USERS_FILE_SCHEMA],
  ["the shapes", shapesSchema],
  ...Object.entries(paramSchemas).map(([op, s]): [string, unknown] => [`${op}'s parameters`, s]),
  ...Object.entries(xmlBodySchemas).map(([op, s]): [string, unknown] => [`${op}'s XML body`, s]),
];

describe("the runtime's JSON schemas", () => {
  const ajv = new Ajv({ strict: false });

  it.each(schemas)("%s: valid against draft-07's meta-schema", (_name, schema) => {
    expect(ajv.validateSchema(schema as object), ajv.errorsText()).toBe(true);
  });

  it("the check refuses a schema with a wrong type name or a malformed keyword", () => {
    expect(ajv.validateSchema({ type: "strnig" })).toBe(false);
    expect(ajv.validateSchema({ type: "object", required: "users" })).toBe(false);
  });

  it("covers every generated parameter schema (more than fifty)", () => {
    expect(Object.keys(paramSchemas).length).toBeGreaterThan(50);
  });
});
