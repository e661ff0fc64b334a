/**
 * Which compiled machine answers a call: by the number dialled for a new call, by (flow, version) for a call in
 * progress. A call finishes on the version it started on, so older versions are loaded from the flowVersions
 * table when the current build no longer has them (and cached: a version is immutable by construction).
 */
import type { CompiledMachine } from "../engine/machine.js";
import { bounded } from "../store/abortable.js";
import type { FlowVersionStore, StoreCallOptions } from "../store/ports.js";

export class FlowRegistry {
  private byFlow = new Map<string, CompiledMachine>();
  private numbers = new Map<string, CompiledMachine>();
  /** older versions loaded from the store, keyed "flow@version"; a pending load is shared by concurrent callers */
  private readonly loaded = new Map<string, Promise<CompiledMachine | undefined>>();

  constructor(
    machines: readonly CompiledMachine[],
    private readonly versions?: FlowVersionStore,
  ) {
    this.replace(machines);
  }

  /** Swap in a new set of current machines (local hot reload). Calls in progress keep their version. */
  replace(machines: readonly CompiledMachine[]): void {
    const byFlow = new Map<string, CompiledMachine>();
    const numbers = new Map<string, CompiledMachine>();
    for (const machine of machines) {
      byFlow.set(machine.flow, machine);
      for (const number of machine.numbers) numbers.set(normaliseNumber(number), machine);
    }
    this.byFlow = byFlow;
    this.numbers = numbers;
  }

  /** The current machine routed for an inbound number (E.164; a missing "+" is tolerated). */
  byNumber(e164: string): CompiledMachine | undefined {
    return this.numbers.get(normaliseNumber(e164));
  }

  current(flow: string): CompiledMachine | undefined {
    return this.byFlow.get(flow);
  }

  /** All current machines. */
  all(): CompiledMachine[] {
    return [...this.byFlow.values()];
  }

  /**
   * The exact (flow, version): the current build first, else the version store (loaded once, then cached). A load
   * is shared by concurrent callers; `signal` bounds how long this caller waits for it.
   */
  async get(flow: string, version: string, options?: StoreCallOptions): Promise<CompiledMachine | undefined> {
    const current = this.byFlow.get(flow);
    if (current?.version === version) return current;
    if (!this.versions) return undefined;
    const key = `${flow}@${version}`;
    let pending = this.loaded.get(key);
    if (!pending) {
      pending = this.versions.get(flow, version);
      this.loaded.set(key, pending);
      // Do not cache a miss or a failure: the version may be stored a moment later (deploy) or the read may recover.
      pending.then(
        (machine) => {
          if (!machine) this.loaded.delete(key);
        },
        () => this.loaded.delete(key),
      );
    }
    return bounded(options, () => pending);
  }
}

/**
 * The machine with `number` routed to it as well, for tools that dial a flow on a number of their choosing
 * (`ivr replay --to`, tests). `numbers` is not part of a version, and the copy leaves the compiled machine as is.
 */
export function alsoRoutedTo(machine: CompiledMachine, number: string): CompiledMachine {
  return { ...machine, numbers: [...new Set([...machine.numbers, number])] };
}

function normaliseNumber(number: string): string {
  const trimmed = number.replace(/[\s()-]/g, "");
  return trimmed.startsWith("+") ? trimmed : `+${trimmed}`;
}
