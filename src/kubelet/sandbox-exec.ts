// The last step inside the sandbox, already as the container's user: read the container's environment
// from the file the setup left (readable only by this user), remove it, and exec the command with exactly
// that environment. The environment never passes through a root process or a command line. pods/exec hands
// it over through an inherited pipe instead (/dev/fd/N), which is closed before the command runs. A command
// without a slash is looked up in the container's PATH, as runc does. With `--tty` first, the command runs
// under a terminal this process holds (pty-relay.ts) instead of replacing it. Inherited descriptors are
// closed first (inherited-fds.ts).
import { accessSync, closeSync, constants, readFileSync, statSync, unlinkSync } from "node:fs";
import path from "node:path";
import { closeInheritedDescriptors } from "./inherited-fds.ts";
import { relayTerminal } from "./pty-relay.ts";

const args = process.argv.slice(2);
const tty = args[0] === "--tty";
const [envFile, ...argv] = tty ? args.slice(1) : args;

function lookPath(command: string, env: Record<string, string>): string {
  if (command.includes("/")) return command;
  for (const dir of (env.PATH ?? "").split(":")) {
    const candidate = path.join(dir || ".", command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`exec: ${JSON.stringify(command)}: executable file not found in $PATH`);
}

try {
  // An inherited descriptor is read as it is (Node's extra stdio is a socket, which /dev/fd cannot open).
  const inherited = /^\/dev\/fd\/(\d+)$/.exec(envFile);
  const source = inherited ? Number(inherited[1]) : envFile;
  const env = JSON.parse(readFileSync(source, "utf8")) as Record<string, string>;
  if (typeof source === "number") closeSync(source);
  else {
    try {
      unlinkSync(envFile);
    } catch {
      // a read-only root filesystem keeps it; it is this user's own environment anyway
    }
  }
  closeInheritedDescriptors();
  if (tty) relayTerminal(lookPath(argv[0], env), argv, env);
  else process.execve!(lookPath(argv[0], env), argv, env);
} catch (error) {
  process.stderr.write(
    `incluster sandbox: cannot start ${JSON.stringify(argv[0])}: ${(error as Error).message}\n`,
  );
  process.exit(128);
}
