/** A scenario test rig on the example flows and the run's shared DynamoDB Local (closed by the caller). */
import { loadFlows } from "../../src/language/index.js";
import { TestRig } from "../../src/testing/index.js";
import { dynamoDbForTests } from "./dynamodb.js";

export const exampleMachines = loadFlows("flows").machines;

export async function exampleFlowRig(): Promise<TestRig> {
  const { endpoint } = await dynamoDbForTests();
  return TestRig.open({ machines: exampleMachines, endpoint });
}
