/**
 * An internal fault of the engine: a machine that does not hold together (unknown state, a loop of non-blocking
 * states) or a session that does not fit its machine. The webhook layer answers such a call with
 * `fallbackActions`; the checker is meant to make these impossible for compiled flows.
 */
export class EngineError extends Error {
  override readonly name = "EngineError";
}
