/** Which variables a flow may assign: not the built-ins (the engine keeps them), not the inputs (the call brings
 * them). Shared by every check of an assignment: `set`, an ask's `into`, a fetch's `into`. */
import type { Reporter } from "./diagnostics.js";
import type { FlowView } from "./model.js";
import type { JsonPath } from "./positions.js";
import { BUILT_IN_VARIABLES } from "./templates.js";

export function isBuiltIn(name: string): boolean {
  return (BUILT_IN_VARIABLES as readonly string[]).includes(name);
}

export function checkAssignable(
  flow: FlowView,
  name: string,
  path: JsonPath,
  which: "key" | "value",
  report: Reporter,
): void {
  if (isBuiltIn(name)) {
    report("reserved-variable", path, `'${name}' is a built-in variable and cannot be assigned`, {
      which,
      hint: `built-ins: ${BUILT_IN_VARIABLES.join(", ")}`,
    });
  } else if (flow.inputs.has(name)) {
    report("assigned-input", path, `'${name}' is an input of the flow and cannot be assigned`, {
      which,
      hint:
        `inputs are given when the call is placed (ivr dial --var ${name}=...); ` +
        `to change the value, copy it into another variable: set: { my_${name}: "{{${name}}}" }`,
    });
  }
}
