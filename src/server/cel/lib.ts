// @bufbuild/cel (with @bufbuild/protobuf beneath it) costs ~140 ms of CPU to load, a third of the server's
// start-up, and most servers never evaluate a CEL rule: it is required on first use (Node ≥ 22.12 loads
// ES modules synchronously through require), so CRD validation and admission policies stay synchronous.
import { createRequire } from "node:module";
import type * as CelLib from "@bufbuild/cel";
import type * as CelExtensions from "@bufbuild/cel/ext";
import type * as Re2 from "@bufbuild/re2";

const require = createRequire(import.meta.url);
let lib: typeof CelLib | undefined;
let ext: typeof CelExtensions | undefined;
let re2Module: typeof Re2 | undefined;

/** The @bufbuild/cel module, loaded on the first call. */
export function cel(): typeof CelLib {
  lib ??= require("@bufbuild/cel") as typeof CelLib;
  return lib;
}

/** @bufbuild/cel/ext (the strings extension …), loaded on the first call. */
export function celExtensions(): typeof CelExtensions {
  ext ??= require("@bufbuild/cel/ext") as typeof CelExtensions;
  return ext;
}

/** @bufbuild/re2 (Go's regexp syntax and errors: CRD patterns, CEL's regex functions), loaded on first use. */
export function re2(): typeof Re2 {
  re2Module ??= require("@bufbuild/re2") as typeof Re2;
  return re2Module;
}
