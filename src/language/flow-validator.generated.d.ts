/* Types for flow-validator.generated.js (see schema-codegen.ts). */
import type { ValidateFunction } from "ajv";

/** sha256 of schema/flow.schema.json as it was when the validator was generated */
export declare const schemaSha256: string;
export declare const validate: ValidateFunction;
export default validate;
