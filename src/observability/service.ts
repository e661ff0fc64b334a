/** Who we are in CloudWatch: the `service` on every log line and metric (Powertools), and the metrics namespace. */
export const SERVICE_NAME = "callflow";
export const METRICS_NAMESPACE = "Callflow";
