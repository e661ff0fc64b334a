/** A logger that keeps its lines, to assert on what is (and is never) logged. */
import type { Logger } from "../../src/observability/logger.js";

export interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, message, fields });
  const logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    appendKeys: () => undefined,
    removeKeys: () => undefined,
  };
  return { logger: logger as unknown as Logger, lines };
}
