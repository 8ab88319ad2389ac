/** Starts the upstream simulator (in Node) for the workerd tests and hands them its port. */
import type { TestProject } from "vitest/node";
import { startSimulator } from "./simulator/server";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamPort: number;
  }
}

export default async function setup(project: TestProject) {
  const sim = await startSimulator();
  project.provide("upstreamPort", sim.port);
  return () => sim.close();
}
