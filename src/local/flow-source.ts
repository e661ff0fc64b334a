/**
 * The local stack's flows folder: watched so an edit is live on the next call (compiled in-process by
 * src/language/build.ts, no `npm run build` needed).
 *
 * chokidar rather than fs.watch: editors that save by writing a temporary file and renaming it over the flow (vim,
 * `sed -i`, many IDEs) leave Node 20's recursive fs.watch deaf to that file after the first save.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { type FSWatcher, watch } from "chokidar";

const FLOW_FILE = /\.ya?ml$/i;

/**
 * A flows folder named as `ivr validate` names it: relative to the working directory when it is inside it, else
 * absolute. Compiled under that name, flows' files and messages read the same in the terminal and the studio.
 */
export function flowsDirName(dir: string): string {
  const absolute = resolve(dir);
  const rel = relative(process.cwd(), absolute);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? absolute : rel;
}
/** chokidar's throttle of repeated change events for one path */
const CHANGE_THROTTLE_MS = 50;

/**
 * Call `onChange` once per burst of changes to YAML files directly in `dir` (editors save in several steps: write
 * a temporary file, rename, touch). Resolves once the watcher is ready, so a change made after that is seen.
 */
export async function watchFlowsDir(
  dir: string,
  onChange: () => void,
  debounceMs = 150,
): Promise<{ close(): Promise<void> }> {
  let timer: NodeJS.Timeout | undefined;
  // chokidar drops a second change of a file within 50 ms of the first: the reload must come later than that, so
  // it reads whatever the second save wrote.
  const delay = Math.max(debounceMs, CHANGE_THROTTLE_MS + 10);
  const watcher: FSWatcher = watch(dir, {
    ignoreInitial: true,
    // flows/ is flat: compileFlowsDir reads its *.yaml only
    depth: 0,
    ignored: (path, stats) => stats?.isFile() === true && !FLOW_FILE.test(path),
  });
  watcher.on("all", (_event, path) => {
    if (!FLOW_FILE.test(path)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, delay);
  });
  await new Promise<void>((resolve, reject) => {
    watcher.once("ready", resolve);
    watcher.once("error", reject);
  });
  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
