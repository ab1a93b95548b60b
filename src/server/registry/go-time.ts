// Go's time.Parse(time.RFC3339, value) (src/time/format.go parse): whether a metav1.Time string parses,
// the form MarshalJSON writes it back in, and the ParseError text when it does not parse, e.g.
// `parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`.
const RFC3339 = "2006-01-02T15:04:05Z07:00";

type Chunk =
  | { literal: string }
  | { std: "year" | "month" | "day" | "hour" | "minute" | "second" | "zone"; text: string };

// The layout as nextStdChunk splits it.
const CHUNKS: Chunk[] = [
  { std: "year", text: "2006" },
  { literal: "-" },
  { std: "month", text: "01" },
  { literal: "-" },
  { std: "day", text: "02" },
  { literal: "T" },
  { std: "hour", text: "15" },
  { literal: ":" },
  { std: "minute", text: "04" },
  { literal: ":" },
  { std: "second", text: "05" },
  { std: "zone", text: "Z07:00" },
];

/** time's quote(): ASCII kept (quotes and backslashes escaped), other bytes as \xNN. */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c >= 0x80 || c < 0x20) {
      for (const b of Buffer.from(ch)) out += `\\x${b.toString(16).padStart(2, "0")}`;
    } else out += ch === '"' || ch === "\\" ? `\\${ch}` : ch;
  }
  return `${out}"`;
}

const isDigit = (s: string, i: number) => i < s.length && s[i] >= "0" && s[i] <= "9";

/** getnum: one or two digits (two required when `fixed`). */
function getnum(s: string, fixed: boolean): { n: number; rest: string } | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : { n: Number(s[0]), rest: s.slice(1) };
  return { n: Number(s.slice(0, 2)), rest: s.slice(2) };
}

const daysIn = (month: number, year: number) =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

/** The ParseError message of time.Parse(time.RFC3339, value), or undefined when it parses. */
export function rfc3339Error(value: string): string | undefined {
  const r = parseRFC3339(value);
  return "error" in r ? r.error : undefined;
}

/** metav1.Time's JSON form of a parsed value: UTC, whole seconds (MarshalJSON formats RFC3339). */
export function metaTimeString(value: string): string | undefined {
  const r = parseRFC3339(value);
  if ("error" in r) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(r.year, r.month - 1, r.day);
  d.setUTCHours(r.hour, r.minute, r.second - r.offsetSeconds, 0);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) return undefined; // Go refuses to marshal these; keep what was sent
  return `${d.toISOString().slice(0, 19)}Z`;
}

interface Parsed {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  offsetSeconds: number;
}

function parseRFC3339(value: string): Parsed | { error: string } {
  const e = (error: string) => ({ error });
  const fail = (valueElem: string, layoutElem: string) =>
    e(
      `parsing time ${quote(value)} as ${quote(RFC3339)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`,
    );
  const outOfRange = (what: string) => e(`parsing time ${quote(value)}: ${what} out of range`);
  let rest = value;
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let offsetSeconds = 0;
  for (const chunk of CHUNKS) {
    if ("literal" in chunk) {
      if (!rest.startsWith(chunk.literal)) return fail(rest, chunk.literal);
      rest = rest.slice(chunk.literal.length);
      continue;
    }
    let range = "";
    let ok = true;
    switch (chunk.std) {
      case "year":
        if (rest.length < 4 || !isDigit(rest, 0)) ok = false;
        else {
          // The four characters are consumed before atoi judges them.
          ok = /^\d{4}/.test(rest);
          year = Number(rest.slice(0, 4));
          rest = rest.slice(4);
        }
        break;
      case "month":
      case "day":
      case "hour":
      case "minute":
      case "second": {
        const got = getnum(rest, chunk.std !== "hour");
        if (!got) {
          ok = false;
          break;
        }
        rest = got.rest;
        if (chunk.std === "month") {
          month = got.n;
          if (month <= 0 || month > 12) range = "month";
        } else if (chunk.std === "day") day = got.n;
        else if (chunk.std === "hour") {
          hour = got.n;
          if (hour >= 24) range = "hour";
        } else if (chunk.std === "minute") {
          minute = got.n;
          if (minute >= 60) range = "minute";
        } else if (chunk.std === "second") {
          second = got.n;
          if (second >= 60) range = "second";
          else if (rest.length >= 2 && (rest[0] === "." || rest[0] === ",") && isDigit(rest, 1)) {
            // A fraction the layout does not name is read anyway (digits past nine are dropped).
            let n = 2;
            while (isDigit(rest, n)) n++;
            rest = rest.slice(n);
          }
        }
        break;
      }
      case "zone": {
        if (rest.startsWith("Z")) {
          rest = rest.slice(1);
          break;
        }
        if (rest.length < 6 || rest[3] !== ":") {
          ok = false;
          break;
        }
        const [sign, hh, mm] = [rest[0], rest.slice(1, 3), rest.slice(4, 6)];
        rest = rest.slice(6);
        const h = getnum(hh, true);
        const m = h && getnum(mm, true);
        // Offsets of 24 hours or 60 minutes are tolerated; range errors win over a bad sign.
        if (h && h.n > 24) range = "time zone offset hour";
        else if (m && m.n > 60) range = "time zone offset minute";
        if (!h || !m || (sign !== "+" && sign !== "-")) ok = false;
        else offsetSeconds = (sign === "-" ? -1 : 1) * (h.n * 3600 + m.n * 60);
        break;
      }
    }
    if (range) return outOfRange(range);
    // The error shows what is left of the value, after whatever this element consumed.
    if (!ok) return fail(rest, chunk.text);
  }
  if (rest.length !== 0) return e(`parsing time ${quote(value)}: extra text: ${quote(rest)}`);
  if (day < 1 || day > daysIn(month, year)) return e(`parsing time ${quote(value)}: day out of range`);
  return { year, month, day, hour, minute, second, offsetSeconds };
}
