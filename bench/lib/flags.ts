// The bench scripts' command-line flags, `--name value`. A number flag that is not a number stops the script
// with a message, rather than running a benchmark of NaN Pods.
const args = process.argv.slice(2);

export const hasFlag = (name: string): boolean => args.includes(name);

export function stringFlag(name: string, fallback: string): string {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) fail(`${name} needs a value`);
  return value;
}

export function numberFlag(name: string, fallback: number): number {
  const value = stringFlag(name, String(fallback));
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    fail(`${name} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

function fail(message: string): never {
  console.error(`${process.argv[1]}: ${message}`);
  process.exit(2);
}
