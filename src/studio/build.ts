/**
 * The studio page, bundled with esbuild into generated/studio/ (gitignored, like the webhook validators):
 * index.html, app.js and app.css from src/studio/web/, and elkjs's web worker, so the page needs nothing from the
 * network. `npm run build` writes it; the local server builds it on demand when it is missing or older than its
 * sources, so a fresh clone works right after `npm install`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const STUDIO_BUNDLE_DIR = join(root, "generated", "studio");
const WEB_DIR = join(root, "src", "studio", "web");
/** the API types the page shares with the server */
const PROTOCOL = join(root, "src", "studio", "protocol.ts");

/** What the bundle holds, by file name: what the studio serves. */
export const STUDIO_FILES = ["index.html", "app.js", "app.css", "elk-worker.js"] as const;

export async function buildStudio(outDir = STUDIO_BUNDLE_DIR): Promise<void> {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: { app: join(WEB_DIR, "main.ts") },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    outdir: outDir,
    logLevel: "silent",
    legalComments: "none",
  });
  const require = createRequire(import.meta.url);
  const files = new Map<string, string | Uint8Array>([
    ["index.html", readFileSync(join(WEB_DIR, "index.html"), "utf8")],
    ["elk-worker.js", readFileSync(require.resolve("elkjs/lib/elk-worker.min.js"))],
  ]);
  for (const file of result.outputFiles) files.set(file.path.slice(outDir.length + 1), file.contents);
  mkdirSync(outDir, { recursive: true });
  // app.js last: its time stamp says the bundle is complete (see studioBundleIsStale). Each file is written
  // aside and renamed, so a page loading meanwhile never reads half a file.
  const order = [...files.keys()].sort((a, b) => Number(a === "app.js") - Number(b === "app.js"));
  for (const name of order) {
    const target = join(outDir, name);
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, files.get(name)!);
    renameSync(temporary, target);
  }
}

export function studioBundleIsStale(outDir = STUDIO_BUNDLE_DIR): boolean {
  if (STUDIO_FILES.some((name) => !existsSync(join(outDir, name)))) return true;
  const built = statSync(join(outDir, "app.js")).mtimeMs;
  return newestSource(WEB_DIR) > built || statSync(PROTOCOL).mtimeMs > built;
}

export async function ensureStudioBundle(): Promise<void> {
  if (studioBundleIsStale()) await buildStudio();
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}
