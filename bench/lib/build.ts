// Compiles src/ to JavaScript in a scratch directory (not the repository's dist/, which other work may be
// using), as `npm run build` would ship it. Clients then load what users run: type stripping of .ts sources
// costs ~15–30 MB of RSS and ~100 ms of start-up that a published package does not pay.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface Build {
  /** Directory holding client/, server/, … as compiled .js. */
  dir: string;
  remove(): void;
}

export function buildDist(): Build {
  const scratch = mkdtempSync(path.join(tmpdir(), "incluster-bench-dist-"));
  const dir = path.join(scratch, "dist");
  execFileSync(
    path.join(ROOT, "node_modules/.bin/tsc"),
    [
      "-p",
      path.join(ROOT, "tsconfig.build.json"),
      "--outDir",
      dir,
      "--declaration",
      "false",
      "--sourceMap",
      "false",
      "--inlineSources",
      "false",
    ],
    { stdio: "inherit" },
  );
  // Packages (yaml, @kubernetes/client-node, …) resolve through the repository's node_modules.
  symlinkSync(path.join(ROOT, "node_modules"), path.join(scratch, "node_modules"));
  // The CLI reads its version from the package.json two levels above dist/cli/main.js.
  const { name, version } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ name, version, type: "module" }));
  return { dir, remove: () => rmSync(scratch, { recursive: true, force: true }) };
}
