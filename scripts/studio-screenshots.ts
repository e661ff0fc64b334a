/**
 * The studio's screenshots in docs/ (PNG), taken from the real page on the real local stack:
 *
 *   npx tsx scripts/studio-screenshots.ts
 *
 * Works on a copy of flows/ (one file is broken on purpose for the error view); starts DynamoDB Local unless
 * DYNAMODB_ENDPOINT is set; needs Debian's chromium (or CHROMIUM_PATH).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { startLocalServer } from "../src/local/server.js";
import { launchChromium, startExampleBackend } from "../test/support/studio.js";

const OUT = "docs";

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= "SILENT";
  const dir = mkdtempSync(join(tmpdir(), "callflow-screenshots-"));
  for (const name of readdirSync("flows")) if (/\.ya?ml$/.test(name)) cpSync(join("flows", name), join(dir, name));
  const backend = await startExampleBackend(); // the flows' services, as npm start runs them
  const server = await startLocalServer({ port: 0, flowsDir: dir, print: () => undefined });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(30_000);
    const open = async (p: Page, flow: string) => {
      await p.goto(`${server.url}/#/flow/${flow}`);
      await p.waitForSelector(`#flow-title:has-text("${flow}")`);
      await p.waitForSelector("#canvas[data-version] .node");
    };
    const shot = async (p: Page, name: string) => {
      await p.waitForTimeout(250);
      await p.screenshot({ path: join(OUT, name) });
      process.stdout.write(`${OUT}/${name}\n`);
    };

    // A call in progress on acme-support from a caller the CRM knows (a Tuesday morning in Singapore: open),
    // a state selected.
    await open(page, "acme-support");
    await page.fill("input[name=caller]", "+6591234567");
    await page.check("input[name=useClock]");
    await page.fill("input[name=at]", nextTuesday());
    await page.click("#call-button");
    await page.waitForSelector('.node[data-id="main"].current');
    await page.click('.key[data-key="1"]');
    await page.waitForSelector('.node[data-id="billing"].current');
    await page.click('.node[data-id="billing"]');
    await shot(page, "studio.png");

    // Scenario coverage over the whole flow.
    await page.click("input[name=overlay][value=coverage]");
    await page.waitForSelector(".node.covered");
    await page.click("#zoom-fit");
    await shot(page, "studio-coverage.png");
    await page.click("input[name=overlay][value=none]");

    // A broken file: the checker's messages beside the last good diagram.
    const file = join(dir, "card-services.yaml");
    await open(page, "card-services");
    writeFileSync(file, readFileSync(file, "utf8").replace("onExhausted: agent", "onExhausted: agnet"));
    await page.waitForSelector("#problems:not([hidden])");
    await shot(page, "studio-error.png");

    // A narrow window.
    const narrow = await browser.newPage({ viewport: { width: 420, height: 900 } });
    await open(narrow, "appointment-reminder");
    await shot(narrow, "studio-narrow.png");
  } finally {
    await browser.close();
    await server.stop();
    await backend.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The next Tuesday, 10:00 (Singapore time as the page reads it), as a datetime-local value. */
function nextTuesday(): string {
  const day = new Date();
  do day.setUTCDate(day.getUTCDate() + 1);
  while (day.getUTCDay() !== 2);
  return `${day.toISOString().slice(0, 10)}T10:00`;
}

main().catch((err: unknown) => {
  process.stderr.write(`studio screenshots: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
