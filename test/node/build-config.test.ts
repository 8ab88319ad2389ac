/** The build step as a process: exit codes, the one-line message, the generated module. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const tsx = join(root, "node_modules/.bin/tsx");

async function build(file: string, args: string[] = []) {
  try {
    const { stdout, stderr } = await run(tsx, ["scripts/build-config.ts", "--check", ...args], {
      cwd: root,
      env: { ...process.env, MODELS_FILE: file },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("scripts/build-config.ts", () => {
  it.each(["models.yaml", "test/models.test.yaml", "demo/models.yaml"])("accepts the shipped %s", async (file) => {
    const result = await build(file);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${file.replace(".", "\\.")}: \\d+ models, \\d+ providers \\(checked\\)\\n$`));
  });

  it("fails a broken file with exactly one line and no stack", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ai-proxy-"));
    const file = join(dir, "models.yaml");
    writeFileSync(file, readFileSync(join(root, "test/models.test.yaml"), "utf8").replace("provider: sim,", "provider: opnrouter,"));
    const result = await build(file);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${file}: models[0].provider: unknown provider "opnrouter"\n`);
  });

  it("refuses `responses: true` on a provider that is not of type openai, in one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ai-proxy-"));
    const file = join(dir, "models.yaml");
    const yaml = readFileSync(join(root, "test/models.test.yaml"), "utf8");
    writeFileSync(file, yaml.replace("  simanthropic:\n    type: anthropic\n", "  simanthropic:\n    type: anthropic\n    responses: true\n"));
    const result = await build(file);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${file}: providers.simanthropic.responses: applies only to type: openai providers (this one is anthropic)\n`);
  });

  it.each(["dev", "deploy"])("stops `npm run %s` on a broken file with that one line, before wrangler starts", async (script) => {
    const dir = mkdtempSync(join(tmpdir(), "ai-proxy-"));
    const file = join(dir, "models.yaml");
    writeFileSync(file, readFileSync(join(root, "test/models.test.yaml"), "utf8").replace("provider: sim,", "provider: opnrouter,"));
    const npm = await run("npm", ["run", script], { cwd: root, env: { ...process.env, MODELS_FILE: file } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(npm.code).toBe(1);
    expect(npm.stderr).toBe(`${file}: models[0].provider: unknown provider "opnrouter"\n`);
    // npm's own banner names the scripts it ran: the config step, and never wrangler.
    expect(npm.stdout).not.toMatch(/wrangler/);
  });

  it("fails a missing file with one line", async () => {
    const result = await build("does-not-exist.yaml");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("does-not-exist.yaml: cannot read file (ENOENT)\n");
  });
});
