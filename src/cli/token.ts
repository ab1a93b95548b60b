// `incluster token decode|create`. decode shows claims and never the token (there is no --show-token);
// create prints the raw token on stdout like `kubectl create token`, the one place a token is printed.
import path from "node:path";
import type { Command } from "commander";
import { DEFAULT_SERVICE_ACCOUNT_DIR } from "../client/config.ts";
import {
  type DecodedToken,
  decodeToken,
  describeToken,
  expiresIn,
  redactToken,
  TokenDecodeError,
} from "../token/index.ts";
import {
  action,
  addConnectionFlags,
  type ConnectionFlags,
  connect,
  EXIT_ERROR,
  EXIT_NO,
  EXIT_OK,
  formatObject,
  type OutputFormat,
  parseOutputFormat,
  readInput,
  UsageError,
} from "./output.ts";

/** The token file the Pod's client would use: $INCLUSTER_SERVICEACCOUNT_DIR, then the standard mount. */
export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.INCLUSTER_SERVICEACCOUNT_DIR || DEFAULT_SERVICE_ACCOUNT_DIR, "token");
}

/** The machine-readable decode: claims and their meaning, the token only redacted. */
export function decodedView(token: string, decoded: DecodedToken, now: Date): Record<string, unknown> {
  const left = expiresIn(decoded, now);
  return {
    token: redactToken(token),
    format: decoded.format,
    ...(decoded.username ? { username: decoded.username } : {}),
    ...(decoded.serviceAccount ? { serviceAccount: decoded.serviceAccount } : {}),
    ...(decoded.pod ? { boundPod: decoded.pod } : {}),
    ...(decoded.secret ? { boundSecret: decoded.secret } : {}),
    ...(decoded.node ? { node: decoded.node } : {}),
    ...(decoded.issuer ? { issuer: decoded.issuer } : {}),
    audiences: decoded.audiences,
    ...(decoded.issuedAt ? { issuedAt: decoded.issuedAt.toISOString() } : {}),
    ...(decoded.expiresAt ? { expiresAt: decoded.expiresAt.toISOString() } : {}),
    ...(decoded.warnAfter ? { warnAfter: decoded.warnAfter.toISOString() } : {}),
    ...(left !== undefined
      ? { expired: left <= 0, expiresInSeconds: Math.floor(left / 1000) }
      : { expired: false }),
    header: decoded.header,
    claims: decoded.claims,
  };
}

/** Prepends the redacted token, aligned with describeToken's value column. */
function withTokenLine(description: string, token: string): string {
  const width = /^[^:]+:\s+/.exec(description)?.[0].length ?? 16;
  return `${"Token:".padEnd(width)}${redactToken(token)}\n${description}\n`;
}

/** Expired or not yet valid: the token cannot authenticate. */
function unusable(decoded: DecodedToken, now: Date): boolean {
  const left = expiresIn(decoded, now);
  return (left !== undefined && left <= 0) || (decoded.notBefore !== undefined && decoded.notBefore > now);
}

async function decode(file: string | undefined, flags: { output?: string }): Promise<number> {
  const format = parseOutputFormat(flags.output, ["json", "yaml"]) as OutputFormat | undefined;
  const source = file ?? defaultTokenFile();
  const token = (await readInput(source)).trim();
  const now = new Date();
  let decoded: DecodedToken;
  try {
    decoded = decodeToken(token);
  } catch (error) {
    if (!(error instanceof TokenDecodeError)) throw error;
    process.stderr.write(`error: ${source === "-" ? "stdin" : source}: ${error.message}\n`);
    return EXIT_ERROR;
  }
  if (format) process.stdout.write(formatObject(decodedView(token, decoded, now), format));
  else process.stdout.write(withTokenLine(describeToken(decoded, now), token));
  return unusable(decoded, now) ? EXIT_NO : EXIT_OK;
}

/** Go's time.ParseDuration for h/m/s units ("1h", "90m", "1h30m", "600s"); whole seconds only, as kubectl. */
export function parseDuration(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!match || text.trim() === "" || !match.slice(1).some(Boolean)) {
    throw new UsageError(
      `invalid duration ${JSON.stringify(text)}: use a Go duration such as 1h, 30m or 1h30m`,
    );
  }
  const [h, m, s] = match.slice(1).map((v) => Number(v ?? 0));
  return h * 3600 + m * 60 + s;
}

/** "NS/SA", or "SA" with the namespace from -n or the client's default. */
export function parseServiceAccountRef(
  ref: string,
  fallbackNamespace?: string,
): { namespace: string; name: string } {
  const parts = ref.split("/");
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  if (parts.length === 1 && parts[0] && fallbackNamespace)
    return { namespace: fallbackNamespace, name: parts[0] };
  throw new UsageError(`expected NAMESPACE/SERVICEACCOUNT, got ${JSON.stringify(ref)}`);
}

interface CreateFlags extends ConnectionFlags {
  audience: string[];
  duration?: string;
  boundPod?: string;
}

async function create(ref: string, flags: CreateFlags): Promise<number> {
  const expirationSeconds = flags.duration ? parseDuration(flags.duration) : undefined;
  const client = await connect(flags);
  try {
    const sa = parseServiceAccountRef(ref, flags.namespace ?? client.namespace);
    const issued = await client.createToken(sa.namespace, sa.name, {
      audiences: flags.audience.length > 0 ? flags.audience : undefined,
      expirationSeconds,
      boundObjectRef: flags.boundPod ? { kind: "Pod", apiVersion: "v1", name: flags.boundPod } : undefined,
    });
    // Exactly what kubectl create token does: the raw token, a newline only for a terminal.
    process.stdout.write(process.stdout.isTTY ? `${issued.token}\n` : issued.token);
    return EXIT_OK;
  } finally {
    client.close();
  }
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerTokenCommands(program: Command): void {
  const token = program
    .command("token")
    .description("decode ServiceAccount tokens (never printed) and request new ones");

  token
    .command("decode")
    .description(
      "print a token's claims: identity, binding, times, audiences (the token itself stays redacted)",
    )
    .argument(
      "[file]",
      `token file, or - for stdin (default: the Pod's token, ${DEFAULT_SERVICE_ACCOUNT_DIR}/token)`,
    )
    .option("-o, --output <format>", "json or yaml")
    .addHelpText("after", "\nExit status: 0 decoded, 1 expired or not yet valid, 2 not a readable JWT.")
    .action(action(decode));

  addConnectionFlags(
    token
      .command("create")
      .description("request a ServiceAccount token (TokenRequest), printed like kubectl create token")
      .argument("<serviceaccount>", "NAMESPACE/NAME (or NAME with -n)")
      .option(
        "--audience <audience>",
        "intended audience (repeatable; default: the API server's)",
        collect,
        [],
      )
      .option("--duration <duration>", "requested lifetime, e.g. 1h (minimum 10m; the server may shorten it)")
      .option("--bound-pod <name>", "bind the token to this Pod: it stops working when the Pod is deleted"),
  ).action(action(create));
}
