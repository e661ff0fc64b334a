import { MemoryFlowVersionStore, MemorySessionStore, MemorySummaryStore } from "../../src/store/memory.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("memory", async () => {
  const sessions = new MemorySessionStore();
  return { sessions, flowVersions: new MemoryFlowVersionStore(), summaries: new MemorySummaryStore(sessions) };
});
