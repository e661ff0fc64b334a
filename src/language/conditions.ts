/**
 * What a branch condition proves about variables, for the data-flow analysis: after `{ var: x, exists: true }`
 * holds (or `{ var: x, exists: false }` fails), `x` is surely set. Works on raw (possibly invalid) YAML data.
 */

export type RawCondition = Record<string, unknown>;

/** Tests that read the variable's value (a variable that is not set makes them false). */
const VALUE_TESTS = ["equals", "matches", "in", "lessThan", "atMost", "greaterThan", "atLeast"] as const;

function asCondition(value: unknown): RawCondition | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as RawCondition) : undefined;
}

function children(value: unknown): RawCondition[] {
  return Array.isArray(value) ? value.map(asCondition).filter((c): c is RawCondition => c !== undefined) : [];
}

/** Variables surely set when `condition` evaluates to `outcome`. */
export function provenSet(condition: unknown, outcome: boolean): Set<string> {
  const c = asCondition(condition);
  const result = new Set<string>();
  if (!c) return result;
  if (typeof c.var === "string") {
    if ("exists" in c) {
      if (c.exists === outcome) result.add(c.var);
    } else if (outcome && VALUE_TESTS.some((t) => t in c)) {
      // an unset variable never equals, matches or is in anything
      result.add(c.var);
    }
    return result;
  }
  if ("not" in c) return provenSet(c.not, !outcome);
  const all = "all" in c;
  if (all || "any" in c) {
    const parts = children(all ? c.all : c.any).map((child) => provenSet(child, outcome));
    // all-true / any-false: every part contributes; all-false / any-true: only what every part proves
    const conjunctive = all === outcome;
    if (conjunctive) for (const part of parts) for (const v of part) result.add(v);
    else if (parts.length > 0) for (const v of parts[0]!) if (parts.every((p) => p.has(v))) result.add(v);
  }
  return result;
}

export interface VariableTest {
  name: string;
  /** path of the `var` value, relative to the condition */
  path: (string | number)[];
  /** variables proven set by the conditions evaluated before this one (short-circuit) */
  guarded: Set<string>;
}

/** Value tests (`equals`, `matches`, `in`, numeric comparisons) in evaluation order, each with what the evaluation so far proves. */
export function valueTests(condition: unknown, guarded: Set<string> = new Set()): VariableTest[] {
  const c = asCondition(condition);
  if (!c) return [];
  if (typeof c.var === "string") {
    return VALUE_TESTS.some((t) => t in c) ? [{ name: c.var, path: ["var"], guarded }] : [];
  }
  if ("not" in c) return valueTests(c.not, guarded).map((t) => ({ ...t, path: ["not", ...t.path] }));
  const key = "all" in c ? "all" : "any" in c ? "any" : undefined;
  if (!key || !Array.isArray(c[key])) return [];
  const tests: VariableTest[] = [];
  let known = new Set(guarded);
  (c[key] as unknown[]).forEach((child, i) => {
    for (const t of valueTests(child, known)) tests.push({ ...t, path: [key, i, ...t.path] });
    // `all` goes on only while the parts hold; `any` only while they fail
    known = new Set([...known, ...provenSet(child, key === "all")]);
  });
  return tests;
}

/** Regexes (`matches`) in a condition, with their paths relative to it. */
export function regexesIn(condition: unknown): { pattern: unknown; path: (string | number)[] }[] {
  const c = asCondition(condition);
  if (!c) return [];
  const out: { pattern: unknown; path: (string | number)[] }[] = [];
  if ("matches" in c) out.push({ pattern: c.matches, path: ["matches"] });
  if ("not" in c) for (const r of regexesIn(c.not)) out.push({ ...r, path: ["not", ...r.path] });
  for (const key of ["all", "any"] as const) {
    if (Array.isArray(c[key])) {
      (c[key] as unknown[]).forEach((child, i) => {
        for (const r of regexesIn(child)) out.push({ ...r, path: [key, i, ...r.path] });
      });
    }
  }
  return out;
}
