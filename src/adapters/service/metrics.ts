import type { Counter, Histogram, Registry } from "prom-client";
import type { BuildStatus } from "../../core/service/build-record.js";

/**
 * The service's Prometheus metrics (`GET /metrics`, text exposition format), on a registry of its own (never
 * prom-client's global one). prom-client loads when a service starts, never at import time.
 */
export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<"route" | "code">;
  hits: Counter;
  misses: Counter;
  dispatches: Counter;
  dedupes: Counter;
  remembered: Counter;
  finished: Counter<"status">;
  requestSeconds: Histogram<"route">;
  buildSeconds: Histogram<"status">;
}

export async function createServiceMetrics(): Promise<ServiceMetrics> {
  const prom = await import("prom-client");
  const registry = new prom.Registry();
  const registers = [registry];
  const counter = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
    new prom.Counter<L>({ name: `kmodforge_service_${name}`, help, labelNames, registers });
  prom.collectDefaultMetrics({ register: registry, prefix: "kmodforge_service_" });
  return {
    registry,
    requests: counter("requests_total", "HTTP requests by route and status code", ["route", "code"]),
    hits: counter("lookup_hits_total", "POST /build answered from the index"),
    misses: counter("lookup_misses_total", "POST /build the index could not answer"),
    dispatches: counter("dispatches_total", "builds started (workflow dispatches or local builds)"),
    dedupes: counter("dedupes_total", "POST /build that joined a build already queued or running"),
    remembered: counter(
      "remembered_failures_total",
      "POST /build answered with a remembered failure instead of a new build",
    ),
    finished: counter("builds_finished_total", "builds that reached a final status", ["status"]),
    requestSeconds: new prom.Histogram({
      name: "kmodforge_service_request_duration_seconds",
      help: "HTTP request duration by route",
      labelNames: ["route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    buildSeconds: new prom.Histogram({
      name: "kmodforge_service_build_duration_seconds",
      help: "request → final status of on-demand builds, by final status",
      labelNames: ["status"],
      buckets: [10, 30, 60, 120, 300, 600, 900, 1800],
      registers,
    }),
  };
}

export function recordFinished(metrics: ServiceMetrics, status: BuildStatus, seconds: number): void {
  metrics.finished.inc({ status });
  metrics.buildSeconds.observe({ status }, seconds);
}
