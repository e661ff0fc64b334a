/**
 * Validates a parsed flow against schema/flow.schema.json and turns ajv's errors into positioned, readable
 * diagnostics: unknown keys point at the key (with a did-you-mean), union mismatches report the branch the
 * author evidently meant rather than every alternative. Only the CLI / build use it (never a Lambda).
 *
 * The whole-schema validator is generated at build time (generated/flow-validator.js, see src/build), so a process
 * does not spend ~100 ms compiling the schema; only the error path compiles single definitions (unions).
 */
import { readFileSync } from "node:fs";
import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import validateFlow from "../../generated/flow-validator.js";
import type { Diagnostic } from "./diagnostics.js";
import { flowSchemaAjv, SCHEMA_URL } from "./flow-schema.js";
import type { JsonPath, SourceLocator } from "./positions.js";
import { didYouMean } from "./suggest.js";

type Schema = Record<string, unknown>;

let schemaRoot: Schema | undefined;
export function flowSchema(): Schema {
  schemaRoot ??= JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as Schema;
  return schemaRoot;
}

let ajv: Ajv | undefined;
/** One definition of the schema ("#/definitions/message") compiled in this process, for the union branches on
 * error paths. */
function compiledValidator(ref: string): ValidateFunction {
  if (!ajv) {
    ajv = flowSchemaAjv();
    ajv.addSchema(flowSchema());
  }
  const validate = ajv.getSchema(`${String(flowSchema().$id)}${ref}`);
  if (!validate) throw new Error(`schema: cannot resolve ${ref}`);
  return validate;
}

export function validateAgainstSchema(data: unknown, file: string, locator: SourceLocator): Diagnostic[] {
  if (validateFlow(data)) return [];
  const errors = dropRequiredExplainedByTypos(refineErrors(validateFlow.errors ?? [], data, flowSchema()));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const error of errors) {
    const d = toDiagnostic(error, data, file, locator);
    if (!d) continue;
    const id = `${d.line}:${d.col}:${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  return out;
}

/** `promt: ...` yields both "unknown property 'promt'" (did you mean 'prompt'?) and "missing 'prompt'": keep one. */
function dropRequiredExplainedByTypos(errors: Refined[]): Refined[] {
  const typos = new Set<string>();
  for (const { error } of errors) {
    if (error.keyword !== "additionalProperties") continue;
    const allowed = Object.keys(((error.parentSchema as Schema).properties as Schema | undefined) ?? {});
    const suggestion = didYouMean(String((error.params as Record<string, unknown>).additionalProperty), allowed);
    if (suggestion) typos.add(`${error.instancePath}|${suggestion}`);
  }
  return errors.filter(({ error, message }) => {
    if (error.keyword !== "required" || message) return true;
    return !typos.has(`${error.instancePath}|${String((error.params as Record<string, unknown>).missingProperty)}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Union (oneOf/anyOf) resolution
//
// With allErrors, ajv reports every alternative's complaints. We pick the alternative the author evidently meant
// (by the value's type, then by which required keys are present), drop everything reported under the union, and
// validate the value again against that alternative alone, so its messages are exact.

interface Refined {
  error: ErrorObject;
  /** replacement message / extra key for the position, computed while resolving unions */
  message?: string;
  atKey?: string;
}

function refineErrors(errors: ErrorObject[], data: unknown, root: Schema): Refined[] {
  // The schema's unions all sit inside a state, so each state's errors can be refined on their own: a generated
  // flow with thousands of broken states then costs thousands of small refinements instead of one that grows
  // with the square of the error count. Should a union ever sit outside the states, refine everything together.
  const byState = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    const scope = stateScope(error.instancePath);
    if (scope === undefined && isUnion(error)) return refineTogether(errors, data, root);
    const group = byState.get(scope ?? "");
    if (group) group.push(error);
    else byState.set(scope ?? "", [error]);
  }
  if (byState.size <= 1) return refineTogether(errors, data, root);
  return [...byState.values()].flatMap((group) => refineTogether(group, data, root));
}

/** "/states/main" for any path inside state `main`; undefined outside the states. */
function stateScope(instancePath: string): string | undefined {
  if (!instancePath.startsWith("/states/")) return undefined;
  const end = instancePath.indexOf("/", "/states/".length);
  return end < 0 ? instancePath : instancePath.slice(0, end);
}

function isUnion(error: ErrorObject): boolean {
  return error.keyword === "oneOf" || error.keyword === "anyOf";
}

function refineTogether(errors: ErrorObject[], data: unknown, root: Schema): Refined[] {
  let current = errors.map((error): Refined => ({ error }));
  for (;;) {
    const union = current
      .filter((r) => isUnion(r.error) && !r.message)
      .map((r) => r.error)
      .sort((a, b) => a.instancePath.length - b.instancePath.length)[0];
    if (!union) break;
    current = resolveUnion(union, current, data, root);
  }
  return current.filter((r) => r.error.keyword !== "if" && r.error.keyword !== "propertyNames");
}

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

function resolveUnion(union: ErrorObject, errors: Refined[], data: unknown, root: Schema): Refined[] {
  const written = (union.parentSchema as Schema)[union.keyword] as Schema[];
  const branches = written.map((b) => resolveRef(b, root));
  const value = valueAt(data, union.instancePath);
  const ownMessage = (union.parentSchema as Schema).errorMessage;
  const requiredOnly = branches.every((b) => Object.keys(b).every((k) => k === "required" || k === "description"));

  if (requiredOnly) {
    // "Exactly one of these keys" beside the object's own properties: only the union's own errors go.
    const rest = errors.filter(
      (r) =>
        r.error !== union &&
        !(r.error.keyword === "required" && r.error.instancePath === union.instancePath && isRequiredOnly(r.error)),
    );
    if (!isObject(value)) return rest;
    const sets = branches.map((b) => (b.required as string[]) ?? []);
    const passing = sets.filter((keys) => keys.every((k) => k in value));
    if (passing.length > 1) {
      const names = passing.map((keys) => keys.join("+")).join(" and ");
      const atKey = passing[1]![0];
      return [
        ...rest,
        { error: union, message: `only one of these may be used here: ${names}`, ...(atKey ? { atKey } : {}) },
      ];
    }
    const partial = sets.filter((keys) => keys.some((k) => k in value));
    if (partial.length === 1) {
      const missing = partial[0]!.filter((k) => !(k in value));
      return [...rest, { error: union, message: `missing required property '${missing.join("', '")}'` }];
    }
    // Nothing recognisable: an unknown key at the same place (reported with a did-you-mean) is the likely cause.
    if (rest.some((r) => r.error.keyword === "additionalProperties" && r.error.instancePath === union.instancePath)) {
      return rest;
    }
    const alternatives = sets.map((keys) => keys.join("+")).join(", ");
    return [
      ...rest,
      { error: union, message: typeof ownMessage === "string" ? ownMessage : `expected one of: ${alternatives}` },
    ];
  }

  const rest = errors.filter((r) => !under(r.error.instancePath, union.instancePath));
  const fitting = branches
    .map((b, i) => ({ b, i }))
    .filter(({ b }) => typeFits(b.type, value))
    .filter(({ b }, _, all) => {
      if (!isObject(value) || all.length < 2) return true;
      return ((b.required as string[] | undefined) ?? []).every((k) => k in value);
    });
  const chosen = fitting.length === 1 ? written[fitting[0]!.i] : undefined;
  const ref = typeof chosen?.$ref === "string" ? chosen.$ref : undefined;
  if (!ref) {
    const expected = branches.map((b) => describeType(b)).join(" or ");
    return [...rest, { error: union, message: typeof ownMessage === "string" ? ownMessage : `expected ${expected}` }];
  }
  const validate = compiledValidator(ref);
  if (validate(value)) return rest;
  const again = refineErrors(
    (validate.errors ?? []).map((e) => ({ ...e, instancePath: union.instancePath + e.instancePath })),
    data,
    root,
  );
  return [...rest, ...again];
}

function isRequiredOnly(error: ErrorObject): boolean {
  const parent = error.parentSchema as Schema | undefined;
  return parent !== undefined && Object.keys(parent).every((k) => k === "required" || k === "description");
}

function resolveRef(schema: Schema, root: Schema): Schema {
  let current = schema;
  for (let hops = 0; hops < 10 && typeof current.$ref === "string"; hops++) {
    const parts = current.$ref.replace(/^#\//, "").split("/");
    let target: unknown = root;
    for (const part of parts) target = (target as Schema)[part];
    current = target as Schema;
  }
  return current;
}

function typeFits(type: unknown, value: unknown): boolean {
  if (type === undefined) return true;
  const types = Array.isArray(type) ? (type as string[]) : [type as string];
  return types.some((t) => jsonTypeMatches(t, value));
}

function jsonTypeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return isObject(value);
    case "null":
      return value === null;
    default:
      return false;
  }
}

function describeType(schema: Schema): string {
  if (schema.type === "object" && Array.isArray(schema.required)) return `{ ${schema.required.join(", ")} }`;
  if (schema.type === "array") return "a list";
  if (schema.type === "string") return "text";
  return String(schema.type ?? "something else");
}

// ---------------------------------------------------------------------------------------------------------------
// One ajv error -> one diagnostic

function toDiagnostic(refined: Refined, data: unknown, file: string, locator: SourceLocator): Diagnostic | undefined {
  const { error } = refined;
  const path = pointerToPath(error.instancePath);
  const parent = (error.parentSchema ?? {}) as Schema;
  const params = error.params as Record<string, unknown>;
  const where = describePath(path);
  const base = { file, severity: "error" as const, rule: "schema" };

  if (refined.message) {
    const place = refined.atKey
      ? locator.place([...path, refined.atKey], "key")
      : locator.place(path, keyOrValue(path));
    return { ...base, ...place, message: `${refined.message}${where}` };
  }
  switch (error.keyword) {
    case "additionalProperties": {
      const property = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties as Schema | undefined) ?? {});
      const suggestion = didYouMean(property, allowed);
      return {
        ...base,
        ...locator.place([...path, property], "key"),
        message: `unknown property '${property}'${where}`,
        hint: suggestion ? `did you mean '${suggestion}'?` : `allowed here: ${allowed.join(", ")}`,
      };
    }
    case "required": {
      const missing = String(params.missingProperty);
      return {
        ...base,
        ...locator.place(path, keyOrValue(path)),
        message: `missing required property '${missing}'${where}`,
      };
    }
    case "dependencies": {
      const property = String(params.property);
      return {
        ...base,
        ...locator.place([...path, property], "key"),
        message: `'${property}' needs '${String(params.missingProperty)}'${where}`,
      };
    }
    case "type": {
      const own = typeof parent.errorMessage === "string" ? parent.errorMessage : undefined;
      return {
        ...base,
        ...locator.place(path),
        message: `${own ?? `expected ${describeExpected(params.type)}`}, got ${describeValue(valueAt(data, error.instancePath))}${where}`,
      };
    }
    case "pattern": {
      // inside propertyNames, ajv names the offending key on the error itself
      const named = (error as { propertyName?: unknown }).propertyName ?? params.propertyName;
      const propertyName = typeof named === "string" ? named : undefined;
      const own = parent.patternErrorMessage ?? parent.errorMessage;
      const message = typeof own === "string" ? own : `must match ${String(params.pattern)}`;
      if (propertyName !== undefined) {
        return { ...base, ...locator.place([...path, propertyName], "key"), message: `'${propertyName}': ${message}` };
      }
      return { ...base, ...locator.place(path), message: `'${String(valueAt(data, error.instancePath))}': ${message}` };
    }
    case "enum":
    case "const": {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [params.allowedValue];
      const value = valueAt(data, error.instancePath);
      const suggestion = typeof value === "string" ? didYouMean(value, allowed.map(String)) : undefined;
      return {
        ...base,
        ...locator.place(path),
        message: `expected ${allowed.map((v) => JSON.stringify(v)).join(" or ")}${where}`,
        ...(suggestion ? { hint: `did you mean '${suggestion}'?` } : {}),
      };
    }
    case "uniqueItems":
      return {
        ...base,
        ...locator.place([...path, Number(params.j)]),
        message: `duplicate entry (same as item ${Number(params.i) + 1})${where}`,
      };
    default:
      return { ...base, ...locator.place(path), message: `${error.message ?? "is not valid"}${where}` };
  }
}

/** Objects are pointed at by their key (e.g. the state id); scalars by their value. */
function keyOrValue(path: JsonPath): "key" | "value" {
  return path.length > 0 ? "key" : "value";
}

function describeExpected(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(",");
  const words: Record<string, string> = {
    string: "text",
    object: "a mapping",
    array: "a list",
    number: "a number",
    integer: "a whole number",
    boolean: "true or false",
    null: "nothing",
  };
  return types.map((t) => words[String(t)] ?? String(t)).join(" or ");
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `text '${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  return `${typeof value} ${String(value)}`;
}

/** " in state 'main'" / " in menu of state 'main'" / "" at the top level. */
export function describePath(path: JsonPath): string {
  if (path[0] === "states" && typeof path[1] === "string") {
    const inner = path.slice(2).filter((p) => typeof p === "string");
    const last = inner.at(-1);
    return last === undefined ? ` in state '${path[1]}'` : ` in '${String(last)}' of state '${path[1]}'`;
  }
  const last = path.filter((p) => typeof p === "string").at(-1);
  return last === undefined ? "" : ` in '${String(last)}'`;
}

export function pointerToPath(pointer: string): JsonPath {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((part) => (/^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : part));
}

function valueAt(data: unknown, pointer: string): unknown {
  let current = data;
  for (const part of pointerToPath(pointer)) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
