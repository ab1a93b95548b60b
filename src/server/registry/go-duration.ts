// Go's time.Duration.String() (src/time/time.go), the JSON form of metav1.Duration: "1h2m3.5s", "1.5ms",
// "0s". Durations are nanoseconds, as Go's.

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MINUTE = 60n * NS_PER_SECOND;
const NS_PER_HOUR = 60n * NS_PER_MINUTE;

/** value / scale with the fraction's trailing zeros dropped ("1.5", "2"). */
function decimal(value: bigint, scale: bigint): string {
  const whole = value / scale;
  const fraction = value % scale;
  if (fraction === 0n) return String(whole);
  const digits = String(scale).length - 1;
  return `${whole}.${String(fraction).padStart(digits, "0").replace(/0+$/, "")}`;
}

export function goDuration(nanos: bigint): string {
  if (nanos === 0n) return "0s";
  const sign = nanos < 0n ? "-" : "";
  let u = nanos < 0n ? -nanos : nanos;
  // Below a second the largest unit that keeps a whole part: ns, µs (U+00B5, as Go writes it) or ms.
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${decimal(u, 1000n)}µs`;
  if (u < NS_PER_SECOND) return `${sign}${decimal(u, 1_000_000n)}ms`;
  const hours = u / NS_PER_HOUR;
  u %= NS_PER_HOUR;
  const minutes = u / NS_PER_MINUTE;
  u %= NS_PER_MINUTE;
  const seconds = `${decimal(u, NS_PER_SECOND)}s`;
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}`;
  return minutes > 0n ? `${sign}${minutes}m${seconds}` : `${sign}${seconds}`;
}
