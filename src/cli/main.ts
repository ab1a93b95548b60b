#!/usr/bin/env node
// incluster: one command, thin subcommands over the libraries.
import { Command } from "commander";
import { registerClusterCommands } from "./cluster.ts";

const program = new Command()
  .name("incluster")
  .description("Kubernetes in-Pod toolkit: client, pod-counter, doctor, RBAC tools and a local API server")
  .showHelpAfterError();

registerClusterCommands(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(1);
});
