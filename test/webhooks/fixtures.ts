/** Fixture events from test/fixtures/events, as fresh mutable copies. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const DIR = join(import.meta.dirname, "..", "fixtures", "events");

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely by tests to build malformed events
export function fixture(name: string): any {
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8"));
}
