#!/usr/bin/env node
// incluster: one command, thin subcommands over the libraries.
import { createRequire } from "node:module";
import { Command } from "commander";
import { registerClusterCommands } from "./cluster.ts";
import { registerDemoCommands } from "./demo.ts";
import { registerDoctorCommand } from "./doctor.ts";
import { registerEndpointsCommands } from "./endpoints.ts";
import { registerIdentityCommands } from "./identity.ts";
import { EXIT_ERROR } from "./output.ts";
import { registerPodsCommands } from "./pods.ts";
import { registerRbacCommands } from "./rbac.ts";
import { registerRunCommand } from "./run.ts";
import { registerTokenCommands } from "./token.ts";

// The package's version, from src/ and from an installed dist/ alike (both are two levels down).
const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

const program = new Command()
  .name("incluster")
  .description("Kubernetes in-Pod toolkit: client, pod-counter, doctor, RBAC tools and a local API server")
  .version(version)
  .showHelpAfterError()
  // Bad flags, a missing argument, an unknown command: exit 2 ("could not answer", docs/tools.md), not
  // commander's 1, which means "no" / "problems found" to scripts (`if incluster can-i …`). Subcommands
  // inherit this; `run` (125) and the apps (their own usage code) set their own.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_ERROR));

registerClusterCommands(program);
registerPodsCommands(program);
registerEndpointsCommands(program);
registerDemoCommands(program);
registerDoctorCommand(program);
registerIdentityCommands(program);
registerTokenCommands(program);
registerRbacCommands(program);
registerRunCommand(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(1);
});
