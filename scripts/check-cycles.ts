/**
 * `npm test` runs this first: fails when modules under src/ import each other in a cycle,
 * type-only imports included. A cycle makes load order matter (a class may be undefined
 * when a module that needs it runs) and lets TypeScript silently drop an `extends` across
 * it; layering that only points one way is also what keeps each folder replaceable.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const root = resolve(import.meta.dirname, "..");
const src = join(root, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "client" ? [] : sourceFiles(path);
    return /\.ts$/.test(name) && !/\.(test|d)\.ts$/.test(name) ? [path] : [];
  });
}

/** The file a relative specifier names, if it is one of ours. */
function resolveImport(from: string, specifier: string, known: Set<string>): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, "index.ts"), base.replace(/\.js$/, ".ts")].find((p) => known.has(p));
}

const files = sourceFiles(src);
const known = new Set(files);
const graph = new Map(files.map((f) => [f, ts.preProcessFile(readFileSync(f, "utf8"), true, true).importedFiles.flatMap((i) => resolveImport(f, i.fileName, known) ?? [])]));

// Depth-first search with colours: an edge to a module still on the stack closes a cycle.
const state = new Map<string, "open" | "done">();
const stack: string[] = [];
const cycles: string[][] = [];
function visit(file: string): void {
  state.set(file, "open");
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
    else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, "done");
}
for (const f of files) if (!state.has(f)) visit(f);

if (cycles.length > 0) {
  for (const c of cycles) process.stderr.write(`import cycle: ${c.map((f) => relative(root, f)).join(" -> ")}\n`);
  process.exit(1);
}
process.stdout.write(`no import cycles among ${files.length} modules under src/\n`);
