// Logs through pino: JSON lines for log pipelines (--log-format json), or the same records rendered for
// people (the default): local-time timestamp, level, message, then key=value fields. Multi-line messages
// (a 403 explanation with its YAML fix) stay readable because they are printed as they are.
import pino, { type DestinationStream, type Logger } from "pino";
import { localTimestamp } from "./time.ts";

export type LogFormat = "human" | "json";
export type { Logger };

export interface LoggerOptions {
  format: LogFormat;
  level?: string;
  /** Default: stderr (stdout carries the app's results). */
  out?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const out = options.out ?? process.stderr;
  const level = options.level ?? "info";
  if (options.format === "json") {
    return pino(
      {
        level,
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        // "level":"error" rather than pino's 50: log pipelines match on names.
        formatters: { level: (label) => ({ level: label }) },
      },
      out,
    );
  }
  return pino({ level, base: undefined }, humanDestination(out));
}

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

function humanDestination(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string) {
      const { level, time, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
      const extra = Object.entries(fields)
        .map(([key, value]) => ` ${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
        .join("");
      const name = LEVEL_NAMES[level as number] ?? String(level);
      // Fields go on the first line, so a multi-line message (an explanation) reads on undisturbed.
      const [first, ...rest] = String(msg ?? "").split("\n");
      const body = [`${first}${extra}`, ...rest].join("\n");
      out.write(`${localTimestamp(new Date(time as number))} ${name.padEnd(5)} ${body}\n`);
    },
  };
}
