/** The GitHub workflows are valid YAML, run only scripts that exist, and use the agreed secrets. */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(import.meta.dirname, "../..");
const dir = join(root, ".github/workflows");
const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface Workflow {
  on: unknown;
  jobs: Record<string, { "runs-on": string; steps: Step[] }>;
}

describe(".github/workflows", () => {
  it("has the four workflows", () => {
    expect(files.sort()).toEqual(["deploy.yml", "preview-cleanup.yml", "preview.yml", "test.yml"]);
  });

  it.each(files)("%s is valid and refers only to real scripts and the agreed secrets", (file) => {
    const text = readFileSync(join(dir, file), "utf8");
    const wf = parse(text) as Workflow;
    expect(wf.on).toBeDefined();
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      for (const m of (step.run ?? "").matchAll(/npm run ([\w:-]+)/g)) expect(scripts, `${file}: npm run ${m[1]}`).toHaveProperty(m[1]!);
      if (step.uses?.startsWith("cloudflare/wrangler-action")) {
        expect(step.with?.apiToken).toBe("${{ secrets.CLOUDFLARE_API_TOKEN }}");
        expect(step.with?.accountId).toBe("${{ secrets.CLOUDFLARE_ACCOUNT_ID }}");
        expect(step.with?.command).toMatch(/^(deploy|preview( delete)? --name pr-\$\{\{ github\.event\.pull_request\.number \}\}( -y)?)$/);
      }
    }
    for (const secret of text.matchAll(/secrets\.(\w+)/g)) expect(["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID"]).toContain(secret[1]);
  });
});
