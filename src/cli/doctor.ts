// `incluster doctor`: every link from the Pod to the API server checked in order, each failure with its fix.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type Need, needsFromText, parseNeed, renderText, reportObject, runDoctor } from "../doctor/index.ts";
import {
  action,
  addConnectionFlags,
  type ConnectionFlags,
  EXIT_NO,
  EXIT_OK,
  formatObject,
  type OutputFormat,
  parseOutputFormat,
  UsageError,
} from "./output.ts";

interface DoctorFlags extends ConnectionFlags {
  need: string[];
  needFrom?: string;
  output?: string;
}

async function needsOf(flags: DoctorFlags): Promise<Need[]> {
  try {
    const needs = flags.need.map(parseNeed);
    if (flags.needFrom) needs.push(...needsFromText(await readFile(flags.needFrom, "utf8")));
    return needs;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function doctor(flags: DoctorFlags): Promise<number> {
  const format = parseOutputFormat(flags.output, ["json", "yaml"]) as OutputFormat | undefined;
  const { facts, results, ok } = await runDoctor({
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    namespace: flags.namespace,
    needs: await needsOf(flags),
  });
  process.stdout.write(format ? formatObject(reportObject(facts, results), format) : renderText(results));
  return ok ? EXIT_OK : EXIT_NO;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerDoctorCommand(program: Command): void {
  addConnectionFlags(
    program
      .command("doctor")
      .description(
        "diagnose the way from this Pod to the API server: env, token, CA, network, identity, permissions, version",
      )
      .option(
        "--need <permission>",
        'a permission the app needs: "VERB RESOURCE [NAME] [-n NS | -A]" (repeatable)',
        collect,
        [],
      )
      .option(
        "--need-from <file>",
        "needs from a file: a YAML list of such texts, or the app's Role/ClusterRole manifests",
      )
      .option("-o, --output <format>", "json or yaml")
      .addHelpText(
        "after",
        "\nExit status: 0 no problem (warnings allowed), 1 problems found, 2 doctor could not run.",
      ),
  ).action(action(doctor));
}
