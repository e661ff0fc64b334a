/**
 * The handlers import generated/validators.js (written by `npm run build`, gitignored). The local tools must work
 * on a fresh clone without a build, so they generate it first when it is missing or older than the schemas.
 * Only then may they import the handler modules (dynamically: a static import would fail before this runs).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const GENERATED_DIR = join(root, "generated");
const VALIDATORS = join(GENERATED_DIR, "validators.js");
const SCHEMAS_DIR = join(root, "src", "webhooks", "schemas");

export function validatorsAreStale(): boolean {
  if (!existsSync(VALIDATORS)) return true;
  const built = statSync(VALIDATORS).mtimeMs;
  return readdirSync(SCHEMAS_DIR).some((f) => statSync(join(SCHEMAS_DIR, f)).mtimeMs > built);
}

export async function ensureGeneratedValidators(): Promise<void> {
  if (!validatorsAreStale()) return;
  const { buildValidators } = await import("../webhooks/build-validators.js");
  await buildValidators(GENERATED_DIR);
}
