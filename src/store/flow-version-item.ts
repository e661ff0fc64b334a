/**
 * How a compiled flow version is stored in the flowVersions table, in one place: the store adapter writes and
 * reads it, and the deploy (cdk/flows.ts) puts the same item through a custom resource.
 *
 * Item: { flow (pk), version (sk), machine: JSON string, storedAt: ISO }. The machine is one string rather than a
 * nested map: cheaper to write and read, and it cannot hit DynamoDB's 32-level map nesting limit.
 */
import type { CompiledMachine } from "../engine/machine.js";

export interface FlowVersionItem {
  flow: string;
  version: string;
  machine: string;
  storedAt: string;
}

export function flowVersionItem(machine: CompiledMachine, storedAt: string): FlowVersionItem {
  return { flow: machine.flow, version: machine.version, machine: JSON.stringify(machine), storedAt };
}

/** The machine in a stored item (undefined when there is no item, or it holds no machine). */
export function machineFromItem(item: Record<string, unknown> | undefined): CompiledMachine | undefined {
  return typeof item?.machine === "string" ? (JSON.parse(item.machine) as CompiledMachine) : undefined;
}
