// apimachinery pkg/util/validation/ip.go IsValidIP / IsValidCIDR (the strict forms 1.33 applies to new
// fields: IPAddress names, ServiceCIDR cidrs): parse as netutils.ParseIPSloppy/ParseCIDRSloppy, then
// reject what netip would not accept, then require Go's canonical String() form.
import { isIP } from "node:net";
import type { FieldCause } from "../types.ts";
import { invalid } from "./field.ts";

const IP_MESSAGE = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
const CIDR_MESSAGE = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

interface ParsedIP {
  bits: 32 | 128;
  value: bigint;
  leadingZeros: boolean;
}

/** ParseIPSloppy: IPv4 octets may carry leading zeros; zones are not IPs. */
function parseIP(text: string): ParsedIP | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const octets = text.split(".");
    if (octets.some((o) => Number(o) > 255)) return undefined;
    const value = octets.reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
    return { bits: 32, value, leadingZeros: octets.some((o) => o.length > 1 && o.startsWith("0")) };
  }
  if (text.includes("%") || isIP(text) !== 6) return undefined;
  // WHATWG's host parser reads any IPv6 text (embedded IPv4 included) into its 8 pieces.
  const host = new URL(`http://[${text}]`).hostname.slice(1, -1);
  const [head = "", tail] = host.includes("::") ? host.split("::") : [host, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
  return { bits: 128, value, leadingZeros: false };
}

/** net.IP.String() of an address (IPv6 compressed as RFC 5952, which WHATWG's serializer follows). */
function formatIP(bits: 32 | 128, value: bigint): string {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
  const groups = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(":")}]`).hostname.slice(1, -1);
}

const is4In6 = (ip: ParsedIP) => ip.bits === 128 && ip.value >> 32n === 0xffffn;

/** IsValidIP's messages for `value` (ValidateIPAddressName uses them bare). */
export function ipMessages(value: string): string[] {
  const ip = parseIP(value);
  if (!ip) return [IP_MESSAGE];
  const errs: string[] = [];
  if (ip.leadingZeros) errs.push("must not have leading 0s");
  if (is4In6(ip)) errs.push("must not be an IPv4-mapped IPv6 address");
  if (errs.length) return errs;
  const canonical = formatIP(ip.bits, ip.value);
  return value === canonical ? [] : [`must be in canonical form ("${canonical}")`];
}

/** IsValidIP. */
export const ipErrors = (path: string, value: string): FieldCause[] =>
  ipMessages(value).map((msg) => invalid(path, value, msg));

/** The IP family of a (sloppily parsed) IP or CIDR, undefined when it is neither. */
export function ipFamilyOf(value: string): "IPv4" | "IPv6" | undefined {
  const ip = parseIP(value.split("/")[0] ?? "");
  return ip ? (ip.bits === 32 ? "IPv4" : "IPv6") : undefined;
}

/** IsValidCIDR. */
export function cidrErrors(path: string, value: string): FieldCause[] {
  const slash = value.indexOf("/");
  const ip = slash < 0 ? undefined : parseIP(value.slice(0, slash));
  const prefixText = value.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!ip || !/^\d{1,3}$/.test(prefixText) || prefix > ip.bits) return [invalid(path, value, CIDR_MESSAGE)];
  if (ip.leadingZeros || (prefixText.length > 1 && prefixText.startsWith("0")))
    return [invalid(path, value, "must not have leading 0s in IP or prefix length")];
  if (is4In6(ip)) return [invalid(path, value, "must not have an IPv4-mapped IPv6 address")];
  const hostBits = BigInt(ip.bits - prefix);
  const network = (ip.value >> hostBits) << hostBits;
  if (network !== ip.value) return [invalid(path, value, "must not have bits set beyond the prefix length")];
  const canonical = `${formatIP(ip.bits, network)}/${prefix}`;
  return value === canonical ? [] : [invalid(path, value, `must be in canonical form ("${canonical}")`)];
}
