/**
 * A test rig: compiled flows, DynamoDB (DynamoDB Local started here, or DYNAMODB_ENDPOINT), and the coverage of
 * every call placed through it. One rig serves many calls; `dial` in src/testing/index.ts keeps a shared one.
 */
import type { CompiledMachine } from "../engine/machine.js";
import { formatDiagnostics, loadFlows } from "../language/index.js";
import { type LocalDynamo, openLocalDynamo } from "../local/local-dynamo.js";
import { CoverageRecorder } from "./coverage.js";
import { type DialOptions, TestCall } from "./test-call.js";

export interface RigOptions {
  /** folder of flow files (default "flows") */
  flowsDir?: string;
  /** compiled machines to use instead of flowsDir */
  machines?: readonly CompiledMachine[];
  /** DynamoDB endpoint (default DYNAMODB_ENDPOINT, else DynamoDB Local is started and stopped by the rig) */
  endpoint?: string;
}

export class RigError extends Error {
  override name = "RigError";
}

export class TestRig {
  readonly coverage: CoverageRecorder;

  private constructor(
    readonly machines: readonly CompiledMachine[],
    private readonly dynamo: LocalDynamo,
  ) {
    this.coverage = new CoverageRecorder(machines);
  }

  static async open(options: RigOptions = {}): Promise<TestRig> {
    const machines = options.machines ?? compiledFlows(options.flowsDir ?? "flows");
    const dynamo = await openLocalDynamo(options.endpoint ? { endpoint: options.endpoint } : {});
    try {
      // Stored as a deploy stores them, so a call in progress finds its version like a deployed one would.
      await Promise.all(machines.map((m) => dynamo.flowVersions.put(m)));
    } catch (err) {
      await dynamo.stop();
      throw err;
    }
    return new TestRig(machines, dynamo);
  }

  get endpoint(): string {
    return this.dynamo.endpoint;
  }

  /** Place a call to `flow` (its first number, or as `ivr dial` would for an outbound flow). */
  dial(flow: string, options: DialOptions = {}): Promise<TestCall> {
    return TestCall.place(
      {
        dynamo: this.dynamo,
        machines: this.machines,
        onStep: (step) => this.coverage.record(step.session.flow, step),
        onFallback: (flow, visited) => this.coverage.record(flow, { visited, edges: [] }),
      },
      flow,
      options,
    );
  }

  async close(): Promise<void> {
    await this.dynamo.stop();
  }
}

function compiledFlows(dir: string): CompiledMachine[] {
  const { machines, diagnostics, sources } = loadFlows(dir);
  if (diagnostics.some((d) => d.severity === "error")) {
    throw new RigError(`flows in ${dir} do not compile:\n${formatDiagnostics(diagnostics, sources)}`);
  }
  return machines;
}
