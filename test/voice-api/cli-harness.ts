/** What the `ivr webhooks` and `ivr dial` tests share: a fresh fake 8x8 per test, and the command's output. */
import { afterEach, beforeEach } from "vitest";
import type { Io } from "../../src/cli/args.js";
import { Fake8x8 } from "./fake-8x8.js";

export const ACCOUNT = "acme";

export interface CliRun extends Io {
  fake: Fake8x8;
  output: string[];
  errors: string[];
  /** the environment the commands read: the API key, the subaccount and the fake's URL */
  env(): NodeJS.ProcessEnv;
}

/** Registers the hooks; the returned object holds the current test's fake and output. */
export function fake8x8PerTest(): CliRun {
  const run = {
    output: [] as string[],
    errors: [] as string[],
    out: (text: string) => void run.output.push(text),
    err: (text: string) => void run.errors.push(text),
    env: () => ({
      EIGHTBYEIGHT_API_KEY: "key-1",
      EIGHTBYEIGHT_SUBACCOUNT_ID: ACCOUNT,
      EIGHTBYEIGHT_BASE_URL: run.fake.baseUrl,
    }),
  } as Omit<CliRun, "fake"> as CliRun;
  beforeEach(async () => {
    run.fake = await new Fake8x8().start();
    run.output = [];
    run.errors = [];
  });
  afterEach(async () => {
    await run.fake.stop();
  });
  return run;
}
