// Timestamps for humans in the Pod's own time zone. Node bundles the IANA database, so `TZ=Asia/Shanghai`
// in the container env is all it takes: no /etc/localtime hostPath mount (seed 002's workaround).

/** RFC 3339 in the process's local zone (TZ): 2017-02-20T14:19:13+08:00, or …Z for UTC. */
export function localTimestamp(date: Date = new Date()): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const day = `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${day}T${time}${offsetSuffix(-date.getTimezoneOffset())}`;
}

function offsetSuffix(minutesEast: number): string {
  if (minutesEast === 0) return "Z";
  const sign = minutesEast > 0 ? "+" : "-";
  const abs = Math.abs(minutesEast);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** A warning when TZ names a zone Node does not know (it silently falls back to UTC then). */
export function unknownTimeZoneWarning(tz: string | undefined = process.env.TZ): string | undefined {
  if (!tz || tz.startsWith(":") || tz === "UTC" || tz === "Etc/UTC") return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return undefined;
  } catch {
    return `TZ=${tz} is not a known IANA time zone (e.g. Asia/Shanghai, Europe/Berlin); timestamps are in UTC`;
  }
}
