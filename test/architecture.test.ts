/**
 * The floors of the architecture, as the imports show them: each folder uses only the ones below it.
 * A grep of `from "..."` specifiers, not a type check: cheap, and it fails the moment a shortcut appears.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return filesUnder(path);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Repository-relative targets of the relative imports in `dir` (static and dynamic), with the importing file. */
function importsOf(dir: string): { file: string; target: string }[] {
  return filesUnder(dir).flatMap((file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1] as string);
    return specifiers.map((s) => ({ file, target: relative(ROOT, resolve(ROOT, file, "..", s)) }));
  });
}

function reaching(dir: string, forbidden: RegExp): string[] {
  return importsOf(dir)
    .filter(({ target }) => forbidden.test(target))
    .map(({ file, target }) => `${file} imports ${target}`);
}

describe("layering", () => {
  it("src/ never imports cdk/, lambdas/, bench/ or test/", () => {
    expect(reaching("src", /^(cdk|lambdas|bench|test)\//)).toEqual([]);
  });

  it("the engine imports nothing outside itself", () => {
    expect(reaching("src/engine", /^(?!src\/engine\/)/)).toEqual([]);
  });

  it("the language never imports the webhooks, the store or the local stack", () => {
    expect(reaching("src/language", /^src\/(webhooks|store|local|testing|cli)\//)).toEqual([]);
  });

  it("the webhooks domain never imports the language, the local stack, testing or the CLI", () => {
    expect(reaching("src/webhooks", /^src\/(language|local|testing|cli|build)\//)).toEqual([]);
  });
});
