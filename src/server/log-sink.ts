// A pino destination that never blocks the event loop: lines queue in memory and are written by libuv's thread
// pool (fs.write), one write at a time. When stderr cannot take them (a full disk, a pipe nobody reads), lines
// are dropped — counted — instead of stalling every request behind a synchronous write.
import { write } from "node:fs";

const DEFAULT_MAX_QUEUED_BYTES = 1 << 20;
/** As kube-apiserver's "log" health check: a write pending this long means logging is blocked. */
const BLOCKED_AFTER_MS = 2 * 60_000;

export class LogSink {
  private readonly fd: number;
  private readonly maxQueuedBytes: number;
  private queue: string[] = [];
  private queuedBytes = 0;
  private writingSince: number | undefined;
  /** Lines dropped because the queue was full or the write failed. */
  dropped = 0;
  /** The most recent write error (ENOSPC, EPIPE, …), cleared by a successful write. */
  lastError: NodeJS.ErrnoException | undefined;

  constructor(fd = 2, maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES) {
    this.fd = fd;
    this.maxQueuedBytes = maxQueuedBytes;
  }

  /** pino's destination interface. */
  write(line: string): boolean {
    if (this.queuedBytes + line.length > this.maxQueuedBytes) {
      this.dropped++;
      return false;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    this.flush();
    return true;
  }

  /** Undefined while logging works; the reason when a write has been stuck for minutes. */
  health(now = Date.now()): string | undefined {
    if (this.writingSince !== undefined && now - this.writingSince > BLOCKED_AFTER_MS)
      return "logging blocked";
    return undefined;
  }

  private flush(): void {
    if (this.writingSince !== undefined || this.queue.length === 0) return;
    const lines = this.queue;
    const data = Buffer.from(lines.join(""));
    this.queue = [];
    this.queuedBytes = 0;
    this.writingSince = Date.now();
    this.writeAll(data, lines.length);
  }

  private writeAll(data: Buffer, lines: number): void {
    write(this.fd, data, 0, data.length, null, (err, written) => {
      if (err && err.code === "EAGAIN") {
        // A non-blocking pipe that is full: try again shortly rather than spin.
        setTimeout(() => this.writeAll(data, lines), 100).unref();
        return;
      }
      if (err) {
        this.dropped += lines;
        this.lastError = err;
      } else if (written < data.length) {
        this.writeAll(data.subarray(written), lines);
        return;
      } else {
        this.lastError = undefined;
      }
      this.writingSince = undefined;
      this.flush();
    });
  }
}
