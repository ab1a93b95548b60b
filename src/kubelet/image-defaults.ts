// What a few well-known base images run when a container gives no command: their Dockerfile CMD (none has
// an ENTRYPOINT), so `kubectl debug node/NAME -it --image=busybox` and `kubectl run -it --image=busybox`
// get a shell. The runtime pulls no image: with host commands allowed, that CMD runs on this host like any
// explicit command (images.ts), with `args` replacing it as they replace a CMD.

/** Docker Hub official images → CMD. */
const IMAGE_CMD: Record<string, readonly string[]> = {
  busybox: ["sh"],
  alpine: ["/bin/sh"],
  debian: ["bash"],
  ubuntu: ["/bin/bash"],
};

/** The Docker Hub official image an image reference names (busybox, docker.io/library/busybox:1.36@…). */
function officialImage(image: string): string | undefined {
  const withoutDigest = image.split("@")[0];
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  const repository = colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
  const name = repository.replace(/^(docker\.io\/|index\.docker\.io\/|registry-1\.docker\.io\/)/, "");
  const official = name.startsWith("library/") ? name.slice("library/".length) : name;
  return official.includes("/") ? undefined : official;
}

/** The image's default command (ENTRYPOINT + CMD), when it is one of the images above. */
export function defaultCommand(image: string | undefined): readonly string[] | undefined {
  const official = image ? officialImage(image) : undefined;
  return official ? IMAGE_CMD[official] : undefined;
}
