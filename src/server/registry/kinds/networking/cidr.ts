// The CIDR checks NetworkPolicy ipBlocks need (apimachinery util/validation IsValidCIDRForLegacyField in
// its non-strict form, which is what kube-apiserver 1.33 runs: netutils.ParseCIDRSloppy), kept small.
import { isIP } from "node:net";
import type { FieldCause } from "../../types.ts";
import { invalid } from "../../validation/field.ts";

export interface Cidr {
  bits: 32 | 128;
  network: bigint;
  prefix: number;
}

/** ParseCIDRSloppy: IPv4 octets may carry leading zeros; undefined when the text is not a CIDR. */
export function parseCidr(value: string): Cidr | undefined {
  const slash = value.indexOf("/");
  if (slash < 0) return undefined;
  const addr = value.slice(0, slash);
  const prefixText = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const sloppy4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(addr) ? addr.split(".").map(Number) : undefined;
  let ip: bigint;
  let bits: 32 | 128;
  if (sloppy4) {
    if (sloppy4.some((o) => o > 255)) return undefined;
    ip = sloppy4.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
    bits = 32;
  } else if (isIP(addr) === 6) {
    ip = ipv6ToBigInt(addr);
    bits = 128;
  } else return undefined;
  if (prefix > bits) return undefined;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
  return { bits, network: ip & mask, prefix };
}

function ipv6ToBigInt(addr: string): bigint {
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1]!.split(".").map(Number);
    text = `${text.slice(0, v4.index)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || "0", 16)), 0n);
}

const CIDR_MESSAGE = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

/** IsValidCIDRForLegacyField (strict off); CIDRs already stored in the old object are accepted as they are. */
export function cidrErrors(path: string, value: string, validOld: string[]): FieldCause[] {
  if (validOld.includes(value)) return [];
  return parseCidr(value) ? [] : [invalid(path, value, CIDR_MESSAGE)];
}

/** Whether `inner` lies inside `outer` and is strictly narrower (ipBlock.except against cidr). */
export function strictSubset(outer: Cidr, inner: Cidr): boolean {
  if (outer.bits !== inner.bits || outer.prefix >= inner.prefix) return false;
  const shift = BigInt(outer.bits - outer.prefix);
  return inner.network >> shift === outer.network >> shift;
}
