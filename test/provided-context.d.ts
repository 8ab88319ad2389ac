// What test/global-setup.ts (in Node) hands to the tests and to vitest.config.ts.
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamPort: number;
    /** TEST_CLOCK's shift, applied inside workerd by test/workers/moved-clock-setup.ts. */
    clockOffsetMs: number;
    /** The simulator's test service account (Vertex AI), as the GCP_SA_JSON secret. */
    gcpSaJson: string;
  }
}
