// Results on stdout, one line each: a sentence for people (optionally prefixed by a local-time timestamp),
// or one JSON object per line for log pipelines (time in UTC, RFC 3339).
import { localTimestamp } from "./time.ts";

export type OutputFormat = "text" | "json";

export interface ResultPrinterOptions {
  format: OutputFormat;
  /** Prefix text lines with the time in the process's time zone (TZ). */
  timestamps: boolean;
  out?: NodeJS.WritableStream;
}

export class ResultPrinter {
  readonly #options: ResultPrinterOptions;
  readonly #out: NodeJS.WritableStream;

  constructor(options: ResultPrinterOptions) {
    this.#options = options;
    this.#out = options.out ?? process.stdout;
  }

  print(sentence: string, record: Record<string, unknown>, now = new Date()): void {
    if (this.#options.format === "json") {
      this.#out.write(`${JSON.stringify({ time: now.toISOString(), ...record })}\n`);
    } else {
      this.#out.write(`${this.#options.timestamps ? `${localTimestamp(now)} ` : ""}${sentence}\n`);
    }
  }
}
