/**
 * The one import of ajv's standalone code generator. ajv ships CommonJS: under NodeNext the default import is the
 * module object, whose `default` is the function (tsx and plain Node disagree on which one arrives).
 */
import type { Ajv } from "ajv";
import standaloneModule from "ajv/dist/standalone/index.js";

type StandaloneCode = (ajv: Ajv, refsOrFunc?: Record<string, string> | ((data: unknown) => boolean)) => string;

export const standaloneCode: StandaloneCode =
  (standaloneModule as unknown as { default?: StandaloneCode }).default ??
  (standaloneModule as unknown as StandaloneCode);
