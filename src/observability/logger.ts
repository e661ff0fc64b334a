/**
 * The one structured logger (Powertools): JSON lines with service "callflow", the level from LOG_LEVEL, and the
 * request's keys (sessionId, callId, requestId) on every line while it is handled. Never log raw webhook bodies:
 * they hold numbers.
 *
 * The request's keys live in an AsyncLocalStorage, not on the logger: the local server handles requests
 * concurrently on one logger, and keys appended to it (Powertools' appendKeys) leaked between requests: the right
 * sessionId once, a wrong one once, none 98 times in 100 concurrent calls.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Logger } from "@aws-lambda-powertools/logger";
import type { ConstructorOptions, LogItemExtraInput, LogItemMessage } from "@aws-lambda-powertools/logger/types";

import { SERVICE_NAME } from "./service.js";

export type { Logger } from "@aws-lambda-powertools/logger";

export interface CorrelationKeys {
  sessionId?: string;
  callId?: string;
  /** API Gateway's request id (the local server makes one per request) */
  requestId?: string;
}

const requestKeys = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/** A Powertools Logger that adds the current request's keys to every item, and makes children of its kind. */
class RequestScopedLogger extends Logger {
  protected override createAndPopulateLogItem(
    logLevel: number,
    input: LogItemMessage,
    extraInput: LogItemExtraInput,
  ): ReturnType<Logger["createAndPopulateLogItem"]> {
    const item = super.createAndPopulateLogItem(logLevel, input, extraInput);
    const keys = requestKeys.getStore();
    if (keys) {
      const present = item.getAttributes();
      for (const [key, value] of Object.entries(keys))
        if (present[key] === undefined) item.addAttributes({ [key]: value });
    }
    return item;
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new RequestScopedLogger(options);
  }
}

/** Create once per process (module scope in a Lambda). LOG_LEVEL is read by Powertools itself. */
export function createLogger(options: { serviceName?: string; logLevel?: string } = {}): Logger {
  return new RequestScopedLogger({
    serviceName: options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    ...(options.logLevel !== undefined && { logLevel: options.logLevel as "INFO" }),
  });
}

/**
 * Run `work` with these keys on every line any of our loggers writes during it (nested calls add to the outer
 * keys). Scoped to `work`'s async context: concurrent requests never see each other's keys.
 */
export function withCorrelation<T>(keys: CorrelationKeys, work: () => Promise<T>): Promise<T> {
  const defined = Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;
  return requestKeys.run({ ...requestKeys.getStore(), ...defined }, work);
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
