// The CRI container log format the kubelet reads (`<RFC3339Nano> <stdout|stderr> <F|P> <content>`), one
// record per line; P marks a partial line (no newline in the original output).

export type LogStream = "stdout" | "stderr";

export interface LogRecord {
  timestamp: string;
  stream: LogStream;
  /** The original line ended here (F) or it continues in the next record (P). */
  full: boolean;
  content: string;
}

/** CRI runtimes split longer lines into P records of this size. */
export const MAX_RECORD_BYTES = 16 * 1024;

/** The kubelet's timestampFormat "2006-01-02T15:04:05.000000000Z07:00": always nine fraction digits. */
export function criTimestamp(epochMs: number): string {
  const whole = Math.floor(epochMs);
  const nanos = Math.round((epochMs - whole) * 1e6);
  const iso = new Date(whole).toISOString(); // …T12:00:00.123Z
  const fraction = `${iso.slice(20, 23)}${String(nanos).padStart(6, "0")}`;
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

export function formatRecord(record: LogRecord): string {
  return `${record.timestamp} ${record.stream} ${record.full ? "F" : "P"} ${record.content}\n`;
}

/** Parses the lines of a log file; malformed lines are skipped (as the kubelet does). */
export function parseRecords(text: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const line of text.split("\n")) {
    const match = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s.exec(line);
    if (!match) continue;
    records.push({
      timestamp: match[1],
      stream: match[2] as LogStream,
      full: match[3] === "F",
      content: match[4],
    });
  }
  return records;
}

/** What `kubectl logs` prints for a record. */
export function renderRecord(record: LogRecord, timestamps: boolean): string {
  const text = record.full ? `${record.content}\n` : record.content;
  return timestamps ? `${record.timestamp} ${text}` : text;
}

/** Splits a stream's bytes into records; keeps an unfinished line until more arrives or flush(). */
export class LineSplitter {
  readonly #stream: LogStream;
  #pending = "";

  constructor(stream: LogStream) {
    this.#stream = stream;
  }

  push(chunk: string, timestamp: string): LogRecord[] {
    const records: LogRecord[] = [];
    let text = this.#pending + chunk;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n")) {
      records.push(...this.#split(text.slice(0, newline), timestamp, true));
      text = text.slice(newline + 1);
    }
    this.#pending = text;
    if (Buffer.byteLength(this.#pending) >= MAX_RECORD_BYTES) return [...records, ...this.flush(timestamp)];
    return records;
  }

  /** The unfinished line, as a partial record. */
  flush(timestamp: string): LogRecord[] {
    if (this.#pending === "") return [];
    const records = this.#split(this.#pending, timestamp, false);
    this.#pending = "";
    return records;
  }

  #split(line: string, timestamp: string, full: boolean): LogRecord[] {
    const records: LogRecord[] = [];
    while (line.length > MAX_RECORD_BYTES) {
      records.push({
        timestamp,
        stream: this.#stream,
        full: false,
        content: line.slice(0, MAX_RECORD_BYTES),
      });
      line = line.slice(MAX_RECORD_BYTES);
    }
    records.push({ timestamp, stream: this.#stream, full, content: line });
    return records;
  }
}
