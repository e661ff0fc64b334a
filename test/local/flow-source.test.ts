/**
 * The flows folder watcher (src/local/flow-source.ts) on a real folder: editors save in place, or write a temporary
 * file and rename it over the flow (vim, sed -i, many IDEs). Both must be noticed every time, not just once.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { watchFlowsDir } from "../../src/local/flow-source.js";

let dir: string;
let watcher: { close(): Promise<void> | void } | undefined;
let changes = 0;

/** Resolves once the watcher has reported `count` changes in all, or fails after `ms`. */
async function changesReach(count: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (changes < count) {
    if (Date.now() > deadline) throw new Error(`${changes} change(s) reported, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "callflow-watch-"));
  writeFileSync(join(dir, "demo.yaml"), "flow: demo\n");
  changes = 0;
  watcher = await watchFlowsDir(dir, () => changes++, 20);
});

afterEach(async () => {
  await watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("watchFlowsDir", () => {
  it("notices saves that replace the file by rename, every time", async () => {
    for (let save = 1; save <= 3; save++) {
      const temp = join(dir, `.demo.yaml.${save}.tmp`);
      writeFileSync(temp, `flow: demo\n# save ${save}\n`);
      renameSync(temp, join(dir, "demo.yaml"));
      await changesReach(save);
    }
  });

  it("notices saves in place, a new flow file and a removed one; other files are not flows", async () => {
    writeFileSync(join(dir, "demo.yaml"), "flow: demo\n# edited\n");
    await changesReach(1);
    writeFileSync(join(dir, "notes.txt"), "not a flow");
    writeFileSync(join(dir, "other.yml"), "flow: other\n");
    await changesReach(2);
    rmSync(join(dir, "other.yml"));
    await changesReach(3);
    expect(changes).toBe(3);
  });
});
