/**
 * The one structured logger (Powertools): JSON lines with service "callflow", the level from LOG_LEVEL, and the
 * call's sessionId/callId attached while an event is handled. Never log raw webhook bodies: they hold numbers.
 */
import { Logger } from "@aws-lambda-powertools/logger";

export type { Logger } from "@aws-lambda-powertools/logger";

export const SERVICE_NAME = "callflow";

/** Create once per process (module scope in a Lambda). LOG_LEVEL is read by Powertools itself. */
export function createLogger(options: { serviceName?: string; logLevel?: string } = {}): Logger {
  return new Logger({
    serviceName: options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    ...(options.logLevel !== undefined && { logLevel: options.logLevel as "INFO" }),
  });
}

export interface CorrelationKeys {
  sessionId?: string;
  callId?: string;
}

/** Run `work` with the call's ids on every log line, and take them off afterwards whatever happens. */
export async function withCorrelation<T>(logger: Logger, keys: CorrelationKeys, work: () => Promise<T>): Promise<T> {
  const defined = Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== undefined));
  logger.appendKeys(defined);
  try {
    return await work();
  } finally {
    logger.removeKeys(Object.keys(defined));
  }
}

/** An error as log fields without its message's possible payload echo: name, message, and the stack. */
export function errorFields(err: unknown): { error: { name: string; message: string; stack?: string } } {
  if (err instanceof Error) {
    return { error: { name: err.name, message: err.message, ...(err.stack !== undefined && { stack: err.stack }) } };
  }
  return { error: { name: "NonError", message: String(err) } };
}
