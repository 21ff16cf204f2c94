// Placeholder: replaced by the real backend bring-up (local stand-ins over real Redis/Postgres).
import type { TestProject } from "vitest/node";
export default async function setup(project: TestProject) {
  project.provide("upstashUrl", "http://127.0.0.1:1");
  project.provide("upstashToken", "x");
  project.provide("workerDatabaseUrl", "postgresql://x@127.0.0.1:1/x");
  project.provide("neonHttpEndpoint", "http://127.0.0.1:1/sql");
  project.provide("openMeteoUrl", "http://127.0.0.1:1");
}
