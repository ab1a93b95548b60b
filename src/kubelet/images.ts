// The runtime's image policy. It pulls nothing: the project's own image runs the local incluster CLI, an
// explicit `command` runs on the host only when host commands were allowed (so does the default command of a
// few base images such as busybox, image-defaults.ts), and everything else waits
// the way a node that may not pull does (ErrImageNeverPull) with a message saying why.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import { defaultCommand } from "./image-defaults.ts";

export const INCLUSTER_IMAGE = "ghcr.io/incluster/incluster";
/** The Dockerfile's CMD: what the image runs when the Pod gives neither command nor args. */
export const INCLUSTER_IMAGE_CMD = ["pods", "count"];

/** `ghcr.io/incluster/incluster`, with any tag and/or digest. */
export function isInclusterImage(image: string | undefined): boolean {
  if (!image) return false;
  const withoutDigest = image.split("@")[0];
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  const repository = colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
  return repository === INCLUSTER_IMAGE;
}

/**
 * How the local CLI is started. From a clone (this module is TypeScript): the sources, with the repository's
 * Node 24 when it is installed. From a build or an installed package: its own compiled CLI with the Node
 * running this runtime, never a checkout found elsewhere.
 */
export function inclusterEntrypoint(): string[] {
  const fromSource = import.meta.url.endsWith(".ts");
  const cli = fileURLToPath(new URL(fromSource ? "../cli/main.ts" : "../cli/main.js", import.meta.url));
  if (!fromSource) return [process.execPath, cli];
  const repoNode = fileURLToPath(new URL("../../node_modules/.bin/node", import.meta.url));
  return [existsSync(repoNode) ? repoNode : process.execPath, cli];
}

export type ImagePlan =
  | { ok: true; argv: string[]; imageID: string; hostCommand: boolean }
  | { ok: false; reason: string; message: string };

export interface ImagePolicy {
  allowHostCommands: boolean;
  /** Override for tests; default inclusterEntrypoint(). */
  entrypoint?: string[];
}

const DOES_NOT_PULL =
  `the incluster runtime does not pull images: it runs ${INCLUSTER_IMAGE} (any tag) as the local incluster CLI, ` +
  "and a container with an explicit command (or a busybox, alpine, debian or ubuntu shell) on this host only when started with --allow-host-commands";

/** What to execute for container (before $(VAR) expansion), following Kubernetes' command/args rules. */
export function planContainer(container: Container, policy: ImagePolicy): ImagePlan {
  const image = container.image ?? "";
  const command = container.command ?? [];
  const args = container.args ?? [];
  if (command.length > 0) {
    if (!policy.allowHostCommands) {
      return {
        ok: false,
        reason: "ErrImageNeverPull",
        message: `Container image "${image}" is not present with pull policy of Never: the container sets command ${JSON.stringify(command)}, which would run on the host; ${DOES_NOT_PULL}`,
      };
    }
    return { ok: true, argv: [...command, ...args], imageID: "incluster://host", hostCommand: true };
  }
  const imageCmd = policy.allowHostCommands ? defaultCommand(image) : undefined;
  if (imageCmd) {
    const argv = args.length > 0 ? args : [...imageCmd];
    return { ok: true, argv, imageID: "incluster://host", hostCommand: true };
  }
  if (isInclusterImage(image)) {
    const entrypoint = policy.entrypoint ?? inclusterEntrypoint();
    const cmd = args.length > 0 ? args : INCLUSTER_IMAGE_CMD;
    return { ok: true, argv: [...entrypoint, ...cmd], imageID: "incluster://local-cli", hostCommand: false };
  }
  return {
    ok: false,
    reason: "ErrImageNeverPull",
    message: `Container image "${image}" is not present with pull policy of Never: ${DOES_NOT_PULL}`,
  };
}
