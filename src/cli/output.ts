// Shared plumbing of the CLI commands: kubectl's connection flags, -o json|yaml, tab-aligned tables,
// stdin, and exit codes. Exit codes: 0 = yes / healthy, 1 = no / problems found, 2 = could not answer.
import { chmod, readFile, rm, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { stringify } from "yaml";
import { ApiError, ConfigError, ConnectionError, createClient, type KubeClient } from "../client/index.ts";

export const EXIT_OK = 0;
export const EXIT_NO = 1;
export const EXIT_ERROR = 2;

export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** kubectl's --kubeconfig, --context and -n/--namespace. */
export function addConnectionFlags(command: Command, withNamespace = true): Command {
  command
    .option("--kubeconfig <file>", "path to the kubeconfig file (default: in-cluster, then $KUBECONFIG)")
    .option("--context <name>", "the kubeconfig context to use");
  if (withNamespace)
    command.option("-n, --namespace <ns>", "namespace (default: the Pod's or the context's)");
  return command;
}

/** A client from the flags: in-cluster when running in a Pod, else the kubeconfig (like kubectl). */
export function connect(flags: ConnectionFlags): Promise<KubeClient> {
  return createClient({
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    namespace: flags.namespace,
    retries: 1,
    onWarning: (message) => process.stderr.write(`Warning: ${message}\n`),
  });
}

export type OutputFormat = "json" | "yaml";

export function parseOutputFormat(value: string | undefined, allowed: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value)) {
    throw new UsageError(
      `unable to match a printer suitable for the output format "${value}", allowed formats are: ${allowed.join(",")}`,
    );
  }
  return value;
}

/** kubectl prints JSON with 4-space indentation and YAML without document markers. */
export function formatObject(value: unknown, format: OutputFormat): string {
  if (format === "json") return `${JSON.stringify(value, null, 4)}\n`;
  return stringify(value, { aliasDuplicateObjects: false, indentSeq: false });
}

/** kubectl's tabwriter (padding 3): columns left-aligned, the last one unpadded. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i < row.length - 1) widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] + 3) : cell)).join(""))
    .map((line) => `${line.trimEnd()}\n`)
    .join("");
}

/** Go's %v of a []string: "[a b c]". */
export const goList = (list: readonly string[] | undefined) => `[${(list ?? []).join(" ")}]`;

/** Reads a file, or stdin for "-". */
export async function readInput(file: string): Promise<string> {
  if (file !== "-") {
    try {
      return await readFile(file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (e as Error).message;
      throw new UsageError(`cannot read ${file}: ${why}; give an existing file, or - to read standard input`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Writes a file only its owner can read (a kubeconfig with cluster-admin's client key): a stale file is
 * removed first and the new one created exclusively, so a file (or symlink) planted at a predictable path
 * in a shared /tmp by another user is never written through, and an old file's loose mode never survives.
 */
export async function writePrivateFile(file: string, contents: string): Promise<void> {
  try {
    await rm(file, { force: true });
    await writeFile(file, contents, { mode: 0o600, flag: "wx" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    throw new Error(
      `cannot write ${file} privately (${code || (error as Error).message}): remove it, or check who owns it`,
    );
  }
  await chmod(file, 0o600); // the umask may have taken bits the mode asked for; never add any
}

/** Bad flags or arguments: printed as `error: …`, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Runs a command body; turns its result into the exit code and errors into readable messages. */
export function action<A extends unknown[]>(
  body: (...args: A) => Promise<number | undefined> | number | undefined,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = (await body(...args)) ?? EXIT_OK;
    } catch (error) {
      process.stderr.write(`${describeError(error)}\n`);
      process.exitCode = EXIT_ERROR;
    }
  };
}

/** One readable message per failure kind; API errors carry their own explanation (401/403 causes). */
export function describeError(error: unknown): string {
  if (error instanceof ApiError || error instanceof ConnectionError) return `error: ${error.explain()}`;
  if (error instanceof ConfigError || error instanceof UsageError) return `error: ${error.message}`;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

/** Writes a line to stdout unless quiet. */
export const say = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
