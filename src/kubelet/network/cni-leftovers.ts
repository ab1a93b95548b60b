// NAT rules the CNI plugins leave when DEL cannot see the Pod any more. The bridge plugin finds the
// addresses to un-masquerade on the Pod's interface (gone if the namespace was broken or deleted first),
// and portmap removes only the mappings it is told about. Both tag their rules with the comment
// `name: "<network>" id: "<container id>"`, so this sweep removes them by that tag: matching rules in
// shared chains (POSTROUTING, CNI-HOSTPORT-*) are deleted, per-container chains flushed and deleted.
import { mustRun, run } from "./host.ts";

/** Per-container chains of bridge (CNI-<hash>) and portmap (CNI-DN-/CNI-SN-<hash>). */
const PER_CONTAINER = /^CNI-(?:[A-Z]{2}-)?[0-9a-f]{16,}$/;

/** The iptables-restore (--noflush) payload removing a network's (or one container's) rules; "" if none. */
export function leftoverRemoval(natDump: string, network: string, containerId?: string): string {
  const tag = containerId
    ? `name: \\"${network}\\" id: \\"${containerId}\\"`
    : `name: \\"${network}\\" id: \\"`;
  const rules = natDump.split("\n").filter((line) => line.startsWith("-A ") && line.includes(tag));
  const chains = new Set<string>();
  const deletes: string[] = [];
  for (const rule of rules) {
    const chain = rule.split(" ")[1];
    const target = / -j (\S+)/.exec(rule)?.[1];
    if (target && PER_CONTAINER.test(target)) chains.add(target);
    if (PER_CONTAINER.test(chain)) chains.add(chain);
    else deletes.push(`-D ${rule.slice(3)}`);
  }
  if (chains.size === 0 && deletes.length === 0) return "";
  return [
    "*nat",
    ...[...chains].map((c) => `:${c} - [0:0]`),
    ...deletes,
    ...[...chains].map((c) => `-X ${c}`),
    "COMMIT",
    "",
  ].join("\n");
}

export async function removeCniLeftovers(network: string, containerId?: string): Promise<void> {
  const dump = (await run(["iptables-save", "-t", "nat"])).stdout;
  const payload = leftoverRemoval(dump, network, containerId);
  if (payload) await mustRun(["iptables-restore", "-w", "5", "--noflush"], payload);
}
