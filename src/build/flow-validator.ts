/**
 * generated/flow-validator.js: the flow schema's ajv validator as standalone code, so `ivr validate`, `npm start`
 * and the deploy check a flow without compiling the schema first (about 100 ms).
 */
import { readFileSync } from "node:fs";
import { flowSchemaAjv, SCHEMA_URL } from "../language/flow-schema.js";
import { standaloneCode } from "./ajv-standalone.js";
import type { GeneratedModule } from "./generated-module.js";

export const flowValidator: GeneratedModule = {
  file: "flow-validator.js",
  inputs: ["schema/flow.schema.json", "src/language/flow-schema.ts", "src/build/flow-validator.ts"],
  generate() {
    const ajv = flowSchemaAjv({ code: { source: true, esm: true } });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_URL, "utf8")));
    return {
      // ajv's standalone code still require()s its small runtime helpers (ucs2length, equal)
      js: [
        'import { createRequire } from "node:module";',
        "const require = createRequire(import.meta.url);",
        standaloneCode(ajv, validate).replace(/^"use strict";/, ""),
      ].join("\n"),
      dts: [
        'import type { ValidateFunction } from "ajv";',
        "export declare const validate: ValidateFunction;",
        "export default validate;",
      ].join("\n"),
    };
  },
};
