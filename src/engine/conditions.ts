import type { Condition } from "./machine.js";

/**
 * Evaluates a branch condition. A variable "exists" when it has been assigned (even to ""). Comparisons against a
 * variable that is not set are false (`not` of them is true).
 */
export function conditionHolds(
  condition: Condition,
  vars: Readonly<Record<string, string>>,
  pattern: (source: string) => RegExp,
): boolean {
  if ("all" in condition) return condition.all.every((c) => conditionHolds(c, vars, pattern));
  if ("any" in condition) return condition.any.some((c) => conditionHolds(c, vars, pattern));
  if ("not" in condition) return !conditionHolds(condition.not, vars, pattern);
  const value = Object.hasOwn(vars, condition.var) ? vars[condition.var] : undefined;
  if ("exists" in condition) return (value !== undefined) === condition.exists;
  if (value === undefined) return false;
  if ("equals" in condition) return value === condition.equals;
  if ("matches" in condition) return pattern(condition.matches).test(value);
  if ("in" in condition) return condition.in.includes(value);
  return compareNumber(condition, value);
}

type NumericCondition = Extract<
  Condition,
  { lessThan: number } | { atMost: number } | { greaterThan: number } | { atLeast: number }
>;

/** Numeric comparisons: a value that is not a plain decimal number (including "") makes them false. */
function compareNumber(condition: NumericCondition, value: string): boolean {
  const trimmed = value.trim();
  if (trimmed === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return false;
  const n = Number(trimmed);
  if (!Number.isFinite(n)) return false;
  if ("lessThan" in condition) return n < condition.lessThan;
  if ("atMost" in condition) return n <= condition.atMost;
  if ("greaterThan" in condition) return n > condition.greaterThan;
  return n >= condition.atLeast;
}
