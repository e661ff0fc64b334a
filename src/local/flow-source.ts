/**
 * The local stack's flows folder: watched so an edit is live on the next call (compiled in-process by
 * src/language/build.ts, no `npm run build` needed).
 */
import { type FSWatcher, watch } from "node:fs";
import { join } from "node:path";

const FLOW_FILE = /\.ya?ml$/i;

/**
 * Call `onChange` once per burst of changes to YAML files under `dir`. Editors save in several steps (write a
 * temp file, rename, touch), and fs.watch reports each, so changes are debounced.
 */
export function watchFlowsDir(dir: string, onChange: () => void, debounceMs = 150): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  const fire = (_event: string, file: string | Buffer | null) => {
    // fs.watch may not report a name (some platforms): treat that as "something changed".
    if (file !== null && !FLOW_FILE.test(String(file))) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  let watcher: FSWatcher;
  try {
    watcher = watch(dir, { recursive: true }, fire);
  } catch {
    // recursive watching is not available everywhere (older Linux kernels / Node builds): flows/ is flat anyway
    watcher = watch(join(dir), fire);
  }
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
