import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  INCLUSTER_IMAGE_CMD,
  inclusterEntrypoint,
  isInclusterImage,
  planContainer,
} from "../../../src/kubelet/images.ts";

const entrypoint = ["/node", "/repo/src/cli/main.ts"];

test("the project image with any tag or digest, nothing else", () => {
  for (const image of [
    "ghcr.io/incluster/incluster",
    "ghcr.io/incluster/incluster:latest",
    "ghcr.io/incluster/incluster:v1.2.3",
    "ghcr.io/incluster/incluster@sha256:0123",
    "ghcr.io/incluster/incluster:v1@sha256:0123",
  ])
    assert.ok(isInclusterImage(image), image);
  for (const image of [
    "incluster",
    "ghcr.io/incluster/incluster-dev",
    "docker.io/incluster/incluster",
    "ghcr.io/other/incluster",
    "",
  ])
    assert.equal(isInclusterImage(image), false, image);
});

test("args run the CLI; no args run the image's CMD", () => {
  const withArgs = planContainer(
    { name: "c", image: "ghcr.io/incluster/incluster", args: ["pods", "count", "-A"] },
    { allowHostCommands: false, entrypoint },
  );
  assert.deepEqual(withArgs, {
    ok: true,
    argv: [...entrypoint, "pods", "count", "-A"],
    imageID: "incluster://local-cli",
    hostCommand: false,
  });
  const bare = planContainer(
    { name: "c", image: "ghcr.io/incluster/incluster:latest" },
    { allowHostCommands: false, entrypoint },
  );
  assert.ok(bare.ok);
  assert.deepEqual(bare.argv, [...entrypoint, ...INCLUSTER_IMAGE_CMD]);
});

test("an explicit command runs on the host only when allowed, whatever the image", () => {
  const container = {
    name: "c",
    image: "ghcr.io/incluster/incluster",
    command: ["sh", "-c"],
    args: ["echo hi"],
  };
  const denied = planContainer(container, { allowHostCommands: false, entrypoint });
  assert.equal(denied.ok, false);
  assert.equal(!denied.ok && denied.reason, "ErrImageNeverPull");
  assert.match(
    !denied.ok ? denied.message : "",
    /sets command \["sh","-c"\], which would run on the host; .*--allow-host-commands/,
  );
  const allowed = planContainer(container, { allowHostCommands: true, entrypoint });
  assert.deepEqual(allowed, {
    ok: true,
    argv: ["sh", "-c", "echo hi"],
    imageID: "incluster://host",
    hostCommand: true,
  });
});

test("other images wait as on a node that may not pull", () => {
  const plan = planContainer({ name: "c", image: "nginx" }, { allowHostCommands: true, entrypoint });
  assert.equal(plan.ok, false);
  assert.match(
    !plan.ok ? plan.message : "",
    /^Container image "nginx" is not present with pull policy of Never: the incluster runtime does not pull images/,
  );
});

test("from a clone the image runs the CLI's sources with the repository's Node", () => {
  // (From an installed package it is that package's dist/cli/main.js: test/package/consumer.test.ts.)
  const repo = fileURLToPath(new URL("../../../", import.meta.url));
  assert.deepEqual(inclusterEntrypoint(), [`${repo}node_modules/.bin/node`, `${repo}src/cli/main.ts`]);
});

test("busybox, alpine, debian and ubuntu without a command run their CMD on the host, only when allowed", () => {
  const allowed = { allowHostCommands: true, entrypoint };
  for (const [image, cmd] of [
    ["busybox", ["sh"]],
    ["docker.io/library/busybox:1.36@sha256:00", ["sh"]],
    ["alpine:3.20", ["/bin/sh"]],
    ["library/debian", ["bash"]],
    ["ubuntu", ["/bin/bash"]],
  ] as const) {
    assert.deepEqual(
      planContainer({ name: "c", image }, allowed),
      { ok: true, argv: cmd, imageID: "incluster://host", hostCommand: true },
      image,
    );
  }
  // args replace the CMD (these images have no ENTRYPOINT).
  const withArgs = planContainer({ name: "c", image: "busybox", args: ["echo", "hi"] }, allowed);
  assert.ok(withArgs.ok);
  assert.deepEqual(withArgs.argv, ["echo", "hi"]);
  for (const image of ["quay.io/busybox", "example.com/library/busybox", "myorg/busybox"]) {
    assert.equal(planContainer({ name: "c", image }, allowed).ok, false, image);
  }
  const denied = planContainer({ name: "c", image: "busybox" }, { allowHostCommands: false, entrypoint });
  assert.equal(!denied.ok && denied.reason, "ErrImageNeverPull");
});
