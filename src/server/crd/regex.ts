// Go's regexp (RE2 syntax: (?i) flags, no lookaround or backreferences) for schema `pattern`s, as
// kube-openapi compiles them with regexp.Compile; errors read as Go's ("error parsing regexp: …").
import { re2 } from "../cel/lib.ts";

export interface GoRegexp {
  /** regexp.MatchString: a match anywhere in s. */
  test(s: string): boolean;
}

const cache = new Map<string, GoRegexp | Error>();

/** The compiled pattern, or the compile error (its message is Go's). Compiled once per pattern. */
export function compileGo(pattern: string): GoRegexp | Error {
  let re = cache.get(pattern);
  if (!re) {
    try {
      re = re2().RE2JS.compile(pattern);
    } catch (e) {
      re = e instanceof Error ? e : new Error(String(e));
    }
    cache.set(pattern, re);
  }
  return re;
}
