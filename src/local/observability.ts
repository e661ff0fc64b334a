/**
 * Logger and metrics for the local stack (server and `ivr replay`). Same modules as the Lambdas; metrics are off
 * unless POWERTOOLS_METRICS_DISABLED=false, since there is no CloudWatch to read embedded-metric lines locally and
 * they would bury the handler logs (and corrupt `ivr replay`'s JSON on stdout).
 */
import { createLogger, type Logger } from "../observability/logger.js";
import { createMetrics, type Metrics } from "../observability/metrics.js";

export function createLocalObservability(): { logger: Logger; metrics: Metrics } {
  process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
  return { logger: createLogger(), metrics: createMetrics() };
}
