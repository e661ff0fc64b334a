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

/**
 * An error as log fields: its name, its message with any values withheld, and its stack frames. Messages of foreign
 * errors echo what they were given (DynamoDB: "Number 6591178965123457000 is greater than ..."; JSON.parse quotes
 * the text it choked on, which may be a secret): errors name fields, never values.
 */
export function errorFields(err: unknown): { error: { name: string; message: string; stack?: string } } {
  if (err instanceof Error) {
    const message = safeErrorMessage(err);
    const frames = err.stack?.split("\n").filter((line) => /^\s+at /.test(line));
    const stack = frames && frames.length > 0 ? [`${err.name}: ${message}`, ...frames].join("\n") : undefined;
    return { error: { name: err.name, message, ...(stack !== undefined && { stack }) } };
  }
  return { error: { name: "NonError", message: typeof err === "string" ? withholdValues(err) : "(not an Error)" } };
}

/** A parse error's message is mostly the text it failed on: only its kind is kept. */
function safeErrorMessage(err: Error): string {
  if (err instanceof SyntaxError) return "the text could not be parsed (withheld)";
  return withholdValues(err.message);
}

/** Quoted text and runs of three or more digits (phone, card and account numbers, amounts) become placeholders. */
export function withholdValues(text: string): string {
  return text
    .replace(/"[^"\n]*"|'[^'\n]*'|`[^`\n]*`/g, "<value>")
    .replace(/[+-]?\d[\d.,]{2,}(?:e[+-]?\d+)?/gi, (run) => (/\d{3}/.test(run.replace(/[.,]/g, "")) ? "<number>" : run));
}
