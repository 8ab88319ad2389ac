/** Starts the upstream simulator (in Node) for the workerd tests and hands them its port. */
import type { TestProject } from "vitest/node";
import { clockOffsetMs } from "./moved-clock";
import { serviceAccountJson } from "./simulator/oauth";
import { startSimulator } from "./simulator/server";

export default async function setup(project: TestProject) {
  const sim = await startSimulator();
  project.provide("upstreamPort", sim.port);
  project.provide("gcpSaJson", serviceAccountJson(sim.url));
  const offset = clockOffsetMs(process.env.TEST_CLOCK);
  project.provide("clockOffsetMs", offset);
  if (offset !== 0) process.stderr.write(`workers tests run with the clock moved to ${new Date(Date.now() + offset).toISOString()} (TEST_CLOCK=${process.env.TEST_CLOCK})\n`);
  return () => sim.close();
}
