/**
 * The local stack's flows: compiled from the flows folder at start, recompiled when a YAML file changes, and
 * swapped into the flow registry only when they compile. Every version served is stored in the flowVersions
 * table first (as the deploy does), so a call in progress finishes on the version it started on.
 */
import type { CompiledMachine } from "../engine/machine.js";
import { type CompiledFlows, compileFlowsDir } from "../language/build.js";
import type { FlowVersionStore } from "../store/ports.js";
import type { FlowRegistry } from "../webhooks/flow-registry.js";
import { watchFlowsDir } from "./flow-source.js";
import type { LocalFlows, Reload } from "./router.js";

export interface FlowReloader extends LocalFlows {
  /** stop watching; waits for a reload in progress */
  close(): Promise<void>;
}

export interface ReloaderOptions {
  dir: string;
  /** the flows compiled at start (compileFlowsDir(dir)) */
  initial: CompiledFlows;
  registry: FlowRegistry;
  versions: FlowVersionStore;
  /** watch the folder and reload on change (default true) */
  watch?: boolean;
  debounceMs?: number;
  print(text: string): void;
}

/** Stores the initial versions, then keeps `registry` current. */
export async function startFlowReloader(options: ReloaderOptions): Promise<FlowReloader> {
  const { dir, registry, print } = options;
  await storeVersions(options.versions, options.initial.machines);
  let current = options.initial.machines;
  const listeners = new Set<(reload: Reload) => void>();
  const notify = (reload: Reload) => {
    for (const listener of listeners) listener(reload);
  };

  const reloadOnce = async (): Promise<boolean> => {
    let compiled: CompiledFlows;
    try {
      compiled = compileFlowsDir(dir);
    } catch (err) {
      print(`reload failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
    if (compiled.report) print(compiled.report);
    if (compiled.errorCount > 0) {
      print(`${compiled.errorCount} error(s): still serving the previous flows (${describe(current)})`);
      notify({ taken: false, compiled, changes: [] });
      return false;
    }
    await storeVersions(options.versions, compiled.machines);
    const changes = diff(current, compiled.machines);
    registry.replace(compiled.machines);
    current = compiled.machines;
    print(changes.length > 0 ? changes.join("\n") : "flows unchanged");
    notify({ taken: true, compiled, changes });
    return true;
  };

  // Reloads run one at a time; a change during a reload triggers one more afterwards.
  let reloading: Promise<boolean> | undefined;
  let again = false;
  const reload = (): Promise<boolean> => {
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      try {
        let taken = await reloadOnce();
        while (again) {
          again = false;
          taken = await reloadOnce();
        }
        return taken;
      } finally {
        reloading = undefined;
      }
    })();
    return reloading;
  };

  const watcher =
    options.watch === false ? undefined : await watchFlowsDir(dir, () => void reload(), options.debounceMs);
  return {
    dir,
    machines: () => current,
    reload,
    onReload(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await watcher?.close();
      await reloading?.catch(() => undefined);
    },
  };
}

/** Every compiled version goes into the flowVersions table, as the deploy does, so pinning works locally. */
async function storeVersions(versions: FlowVersionStore, machines: readonly CompiledMachine[]): Promise<void> {
  await Promise.all(machines.map((m) => versions.put(m)));
}

function diff(before: readonly CompiledMachine[], after: readonly CompiledMachine[]): string[] {
  const old = new Map(before.map((m) => [m.flow, m.version]));
  const lines: string[] = [];
  for (const m of after) {
    if (old.get(m.flow) !== m.version) lines.push(`${old.has(m.flow) ? "reloaded" : "added"} ${m.flow} v${m.version}`);
    old.delete(m.flow);
  }
  for (const flow of old.keys()) lines.push(`removed ${flow}`);
  return lines;
}

function describe(machines: readonly CompiledMachine[]): string {
  return machines.length > 0 ? machines.map((m) => `${m.flow} v${m.version}`).join(", ") : "none";
}
