/**
 * `npm run test:clock`: the workerd suites again, with the clock moved a year ahead, to
 * the last minute of a month (a UTC day and month boundary falls inside the run), and to
 * the morning a US daylight-saving change moves `day_reset` time zones. A test that passes
 * only on some dates or at some times of day fails here, in CI, before it fails for a user.
 * Extra vitest arguments narrow the run: `npm run test:clock -- src/limits`.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const CLOCKS = ["+365d", "2027-02-28T23:59:00Z", "2027-03-14T09:59:00Z"];
const root = resolve(import.meta.dirname, "..");
const vitest = resolve(root, "node_modules/.bin/vitest");

for (const clock of CLOCKS) {
  const run = spawnSync(vitest, ["run", "--project", "workers", ...process.argv.slice(2)], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TEST_CLOCK: clock },
  });
  if (run.status !== 0) {
    process.stderr.write(`workers tests failed with TEST_CLOCK=${clock}\n`);
    process.exit(run.status ?? 1);
  }
}
