/**
 * The studio in a real browser (Debian's Chromium through playwright-core) against the real local stack on a
 * temporary copy of flows/: the flows, a diagram, a call through the dialpad, a flow broken and fixed on disk,
 * keyboard-only use, narrow windows, and the time a 500-state flow takes to draw.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateFlow } from "../../bench/flow-generator.js";
import { formatDiagnostics, loadFlows } from "../../src/language/index.js";
import type { TrafficOverlay } from "../../src/studio/protocol.js";
import type { LocalStack } from "../support/local-stack.js";
import { launchChromium, startStudioStack } from "../support/studio.js";

let stack: LocalStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStudioStack({ backend: true }), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Polls like expect.poll, with room for a busy machine (expect.poll gives up after 1 s). */
const eventually = <T>(actual: () => T | Promise<T>) => expect.poll(actual, { timeout: 10_000 });
const node = (id: string) => `.node[data-id="${id}"]`;
const transcript = (p: Page) => p.locator(".transcript").innerText();

async function openFlow(p: Page, flow: string): Promise<void> {
  await p.click(`a[data-flow="${flow}"]`);
  await p.waitForSelector(`#flow-title:has-text("${flow}")`);
  await p.waitForSelector("#canvas[data-version] .node");
}

describe("studio in a browser", () => {
  it("lists the three example flows with their status", async () => {
    await page.goto(stack.server.url);
    await page.waitForSelector(".flow-item");
    const names = await page.locator(".flow-item .flow-name").allInnerTexts();
    expect(names).toEqual(["acme-support", "appointment-reminder", "card-services"]);
    expect(await page.locator(".flow-item .badge").allInnerTexts()).toEqual(["✓", "✓", "✓"]);
    await eventually(() => page.locator("#live").innerText()).toMatch(/^live/);
  });

  it("draws a flow: a node per state, labelled edges, global keys and onError as markers", async () => {
    await openFlow(page, "card-services");
    const machine = loadFlows(stack.dir).machines.find((m) => m.flow === "card-services")!;
    const states = await page
      .locator(".node[role=button]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    expect(states.sort()).toEqual(Object.keys(machine.states).sort());
    expect(await page.locator(`${node("main")} .kind`).textContent()).toBe("MENU");
    expect(await page.locator(".edge-label").allTextContents()).toContain("1");
    await page.waitForSelector(node("(keys)"));
    await page.waitForSelector(node("(error)"));
  });

  it("shows a state's YAML lines when it is clicked", async () => {
    await page.click(node("card-number"));
    const yaml = page.locator("#inspector .yaml");
    await eventually(() => yaml.locator("figcaption").innerText()).toMatch(/^card-services\.yaml:\d+-\d+$/);
    expect(await yaml.locator("pre").innerText()).toMatch(/card-number:\n\s*\d+\s+ask:/);
  });

  it("places a call through the dialpad: the transcript, and the state the call is in highlighted", async () => {
    await page.click("#call-button");
    await eventually(() => transcript(page)).toContain("Welcome to Acme Card Services.");
    await page.waitForSelector(`${node("main")}.current`);
    await page.click('.key[data-key="1"]');
    await page.waitForSelector(`${node("card-number")}.current`);
    expect(await transcript(page)).toContain("you press 1: 8x8 reports “1”");
    expect(await transcript(page)).toContain("Please enter the 16 digit number on the front of your card.");
    expect(await page.locator(".node.visited").count()).toBeGreaterThan(1);
    expect(await page.locator(".edge.taken").count()).toBeGreaterThan(0);
    await page.click("#hangup");
    await eventually(() => transcript(page)).toContain("you hung up");
    expect(await page.locator(".transcript .summary").innerText()).toMatch(/final state\s+card-number/);
  });

  it("shows a fetch's hold message, the request the flow made and its result", async () => {
    await page.click("#call-button");
    await page.waitForSelector(`${node("main")}.current`);
    await page.click('.key[data-key="2"]'); // balance; the focus stays on the keypad: the rest is typed
    await page.waitForSelector(`${node("card-number")}.current`);
    await page.keyboard.type("4111111111111111");
    await page.waitForSelector(`${node("pin")}.current`);
    await page.keyboard.type("4821");
    await eventually(() => transcript(page)).toContain("your card is verified");
    const text = await transcript(page);
    expect(text).toContain("Thank you. One moment while I check that with the bank.");
    expect(text).toContain("the hold message played: 8x8 reports it, the request runs");
    expect(text).toContain("asks a service POST bank /cards/{{card}}/verify: 200 → balance-info (2xx,");
    expect(text).not.toContain("4111111111111111/verify"); // the path as written, never filled in
    await page.click("#hangup");
    await eventually(() => transcript(page)).toContain("you hung up");
  });

  it("colours the diagram with scenario coverage and with the local stack's traffic", async () => {
    await page.check("input[name=overlay][value=coverage]");
    await eventually(() => page.locator("#overlay-status").innerText()).toMatch(
      /^\d+ scenarios \(0 failed\) reach (\d+)\/\1 states/,
    );
    expect(await page.locator(".node.uncovered").count()).toBe(0);
    expect(await page.locator(".node.covered").count()).toBeGreaterThan(10);
    // The figures the page received are drawn; they include the calls placed above (both entered card-number, the
    // first caller hung up there, the second was verified). Other test files call card-services on the same
    // DynamoDB meanwhile, so the counts are at least ours.
    const received = page.waitForResponse((r) => r.url().endsWith("/flows/card-services/traffic"));
    await page.check("input[name=overlay][value=traffic]");
    const traffic = (await (await received).json()) as TrafficOverlay;
    const cardNumber = traffic.states["card-number"]!;
    expect(cardNumber.entered).toBeGreaterThanOrEqual(2);
    expect(cardNumber.abandoned).toBeGreaterThanOrEqual(1);
    expect(traffic.states.verify!.entered).toBeGreaterThanOrEqual(1);
    await eventually(() => page.locator(`${node("card-number")} .note`).textContent()).toBe(
      `${cardNumber.entered} in · ${cardNumber.abandoned} hung up`,
    );
    await page.check("input[name=overlay][value=none]");
    await eventually(() => page.locator(".node .note").count()).toBe(0);
    // a selected state shows its figures whatever the overlay
    await page.click("#zoom-fit");
    await page.click(node("card-number"));
    await eventually(() => page.locator("#inspector .counts").innerText()).toMatch(/entered\s+\d+\s+abandoned\s+\d+/);
  });

  it("shows a broken flow's error at once beside the last good diagram, and the new diagram once fixed", async () => {
    const file = join(stack.dir, "card-services.yaml");
    const good = readFileSync(file, "utf8");
    await page.click("#zoom-fit"); // the calls above panned the view to follow them
    await page.click(node("main"));
    await page.click("#zoom-in");
    const view = await page.locator(".viewport").getAttribute("transform");
    const version = await page.locator("#canvas").getAttribute("data-version");

    const broken = good.replace("start: welcome", "start: welcom");
    let saved = Date.now();
    writeFileSync(file, broken);
    const problems = page.locator("#problems");
    await eventually(() => problems.isVisible()).toBe(true);
    console.info(`studio: the error appeared ${Date.now() - saved} ms after the save`);
    const { diagnostics } = loadFlows(stack.dir);
    const own = diagnostics.filter((d) => d.file.endsWith("card-services.yaml"));
    expect(await problems.locator(".report").innerText()).toBe(formatDiagnostics(own, { [own[0]!.file]: broken }));
    expect(await problems.innerText()).toContain("did you mean 'welcome'?");
    expect(await page.locator('a[data-flow="card-services"] .badge').innerText()).toBe("✗ 1");
    expect(await page.locator("#canvas").getAttribute("data-version")).toBe(version); // the last good diagram
    expect(await page.locator(node("main")).isVisible()).toBe(true);

    saved = Date.now();
    writeFileSync(file, good.replace("Welcome to Acme Card Services.", "Hello from the studio."));
    await eventually(() => page.locator("#canvas").getAttribute("data-version")).not.toBe(version);
    console.info(`studio: the fixed diagram appeared ${Date.now() - saved} ms after the save`);
    expect(await problems.isVisible()).toBe(false);
    expect(await page.locator(`${node("welcome")} .detail`).textContent()).toMatch(/^Hello from the studio\. /);
    // the view is kept: the selection and the zoom
    expect(await page.locator(`${node("main")}.selected`).count()).toBe(1);
    expect(await page.locator(".viewport").getAttribute("transform")).toBe(view);
    writeFileSync(file, good);
  });

  it("works from the keyboard alone, with visible focus", async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await p.goto(`${stack.server.url}/`);
      await p.waitForSelector("#canvas[data-version]");
      const focusOn = async (selector: string, limit = 40) => {
        for (let i = 0; i < limit; i++) {
          if ((await p.locator(`${selector}:focus`).count()) > 0) return;
          await p.keyboard.press("Tab");
        }
        throw new Error(`Tab never reached ${selector}`);
      };
      await focusOn('a[data-flow="card-services"]');
      // (page code as text: this file is type-checked without the DOM's types)
      expect(await p.evaluate("getComputedStyle(document.activeElement).outlineStyle")).not.toBe("none");
      await p.keyboard.press("Enter");
      await p.waitForSelector('#flow-title:has-text("card-services")');
      await p.waitForSelector(`#canvas[data-version] ${node("welcome")}`);
      await focusOn(".node[role=button]");
      const first = await p.locator(":focus").getAttribute("data-id");
      await p.keyboard.press("ArrowDown");
      const second = await p.locator(":focus").getAttribute("data-id");
      expect(second).not.toBe(first);
      await p.keyboard.press("Enter");
      await eventually(() => p.locator("#inspector h3").innerText()).toContain(second!);
      await focusOn("#call-button");
      await p.keyboard.press("Enter");
      await p.waitForSelector(`${node("main")}.current`);
      await p.keyboard.press("1"); // the focus is on the dialpad: keys are typed
      await p.waitForSelector(`${node("card-number")}.current`);
      await p.keyboard.type("4111111111111111"); // 16 keys end the capture, as 8x8's maxDigits does
      await eventually(() => transcript(p)).toContain("8x8 reports “4111111111111111”");
      await eventually(() => p.locator(".node.current").getAttribute("data-id")).not.toBe("card-number");
    } finally {
      await p.close();
    }
  });

  it("stays readable at 1280x800 and in a narrow window", async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await p.goto(`${stack.server.url}/#/flow/acme-support`);
      await p.waitForSelector("#canvas[data-version]");
      for (const selector of [".flow-list", "#canvas", "#call-button", "#inspector"]) {
        expect(await p.locator(selector).isVisible(), selector).toBe(true);
      }
      const canvas = (await p.locator("#canvas").boundingBox())!;
      expect(canvas.width).toBeGreaterThan(600);
      expect(canvas.height).toBeGreaterThan(450);
      await p.setViewportSize({ width: 420, height: 900 });
      await p.waitForTimeout(100);
      const overflow = await p.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
      expect(overflow).toBeLessThanOrEqual(0);
      expect((await p.locator("#canvas").boundingBox())!.width).toBeGreaterThan(300);
      // an outbound flow's inputs are asked for before it rings
      await p.click('a[data-flow="appointment-reminder"]');
      await p.waitForSelector('#flow-title:has-text("appointment-reminder")');
      const labels = await p.locator(".inputs label").allInnerTexts();
      expect(labels.map((l) => l.trim())).toEqual(["patient *", "clinic *", "time *"]);
      await p.locator(".dialpad").scrollIntoViewIfNeeded();
      expect(await p.locator(".dialpad").isVisible()).toBe(true);
    } finally {
      await p.close();
    }
  });

  it("draws a generated 500-state flow quickly (measured in the browser)", async () => {
    writeFileSync(join(stack.dir, "big.yaml"), generateFlow(500));
    await page.waitForSelector('a[data-flow="big"]');
    await openFlow(page, "acme-support");
    const started = Date.now();
    await page.click('a[data-flow="big"]');
    await page.waitForSelector(`#canvas[data-version] ${node("s499")}`);
    const wall = Date.now() - started;
    const inPage = Number(await page.locator("#canvas").getAttribute("data-render-ms"));
    const layout = Number(await page.locator("#canvas").getAttribute("data-layout-ms"));
    console.info(
      `studio: 500-state flow drawn in ${inPage} ms in the page (layout ${layout} ms), ${wall} ms by the test's clock`,
    );
    expect(await page.locator(".node[role=button]").count()).toBe(501);
    // the target is 2 s on a developer machine; this box runs the whole suite on 2 shared cores
    expect(inPage).toBeLessThan(10_000);
  });
});
