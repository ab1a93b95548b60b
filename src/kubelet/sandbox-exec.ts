// The last step inside the sandbox, already as the container's user: read the container's environment
// from the file the setup left (readable only by this user), remove it, and exec the command with exactly
// that environment. The environment never passes through a root process or a command line.
import { readFileSync, unlinkSync } from "node:fs";

const [envFile, ...argv] = process.argv.slice(2);
try {
  const env = JSON.parse(readFileSync(envFile, "utf8")) as Record<string, string>;
  try {
    unlinkSync(envFile);
  } catch {
    // a read-only root filesystem keeps it; it is this user's own environment anyway
  }
  process.execve!(argv[0], argv, env);
} catch (error) {
  process.stderr.write(
    `incluster sandbox: cannot start ${JSON.stringify(argv[0])}: ${(error as Error).message}\n`,
  );
  process.exit(128);
}
