import { MemoryFlowVersionStore, MemorySessionStore, MemorySummaryStore } from "../../src/store/memory.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("memory", async () => ({
  sessions: new MemorySessionStore(),
  flowVersions: new MemoryFlowVersionStore(),
  summaries: new MemorySummaryStore(),
}));
