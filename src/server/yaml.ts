// `yaml` costs ~20 ms to load and the server needs it only for YAML bodies, YAML output and kubeconfigs:
// it is required on first use (see cel/lib.ts for the same reason).
import { createRequire } from "node:module";
import type * as Yaml from "yaml";

const require = createRequire(import.meta.url);
let lib: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  lib ??= require("yaml") as typeof Yaml;
  return lib;
}
