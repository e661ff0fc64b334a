/**
 * generated/webhook-validators.js: the 8x8 webhook JSON Schemas (src/webhooks/schemas) as standalone ESM
 * validation code, so the Lambdas validate without importing ajv or compiling a schema at cold start.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { standaloneCode } from "./ajv-standalone.js";
import type { GeneratedModule } from "./generated-module.js";

const SCHEMAS_DIR = new URL("../webhooks/schemas/", import.meta.url);

/** exported validator name -> schema file */
const VALIDATORS = {
  validateVcaRequest: "vca-request.schema.json",
  validateVssRequest: "vss-request.schema.json",
} as const;

const DECLARATIONS = `export interface ValidationError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
export interface Validator {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}
${Object.keys(VALIDATORS)
  .map((name) => `export declare const ${name}: Validator;`)
  .join("\n")}`;

export const webhookValidators: GeneratedModule = {
  file: "webhook-validators.js",
  inputs: [
    ...Object.values(VALIDATORS).map((file) => `src/webhooks/schemas/${file}`),
    "src/build/webhook-validators.ts",
  ],
  generate() {
    const ajv = new Ajv({
      code: { source: true, esm: true },
      // first error only: the 400 answer names one reason, and the generated code stays small
      allErrors: false,
      strict: true,
      allowUnionTypes: true,
      // plain .length instead of ajv's ucs2length runtime helper, so the generated module imports nothing
      unicode: false,
      // strict mode throws on schema mistakes; the only other output would be the deprecation note for `unicode`
      logger: false,
    });
    const refs: Record<string, string> = {};
    for (const [name, file] of Object.entries(VALIDATORS)) {
      const schema = JSON.parse(readFileSync(new URL(file, SCHEMAS_DIR), "utf8")) as { $id: string };
      ajv.addSchema(schema);
      refs[name] = schema.$id;
    }
    const js = standaloneCode(ajv, refs);
    if (/\brequire\(/.test(js)) {
      throw new Error("generated validators need an ajv runtime module; keep the schemas to self-contained keywords");
    }
    return { js, dts: DECLARATIONS };
  },
};
