/**
 * How schema/flow.schema.json is compiled: the same ajv options for the validator generated at build time
 * (src/build/flow-validator.ts) and for the schema pieces schema.ts compiles to explain a union's errors.
 */
import { Ajv, type Options } from "ajv";

export const SCHEMA_URL = new URL("../../schema/flow.schema.json", import.meta.url);

export function flowSchemaAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    ...extra,
  });
  // Editor-only annotations understood by yaml-language-server / vscode-json-languageservice; we read them too.
  ajv.addKeyword({ keyword: "errorMessage", schemaType: "string" });
  ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
  return ajv;
}
