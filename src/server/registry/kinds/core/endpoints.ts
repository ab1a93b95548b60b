// core/v1 Endpoints: printEndpoints (written by the endpoints controller; no extra validation here).

import type { KubeObject } from "../../../../meta/types.ts";
import { asList, asMap, asNumber, asString } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { CRUD } from "../verbs.ts";

const DOCS = {
  subsets:
    "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.",
};

const MAX_LISTED = 3;

/** formatEndpoints: up to three "ip:port" (or bare IPs for port-less subsets), then "+ N more...". */
function formatEndpoints(endpoints: KubeObject): string {
  const subsets = asList(endpoints.subsets).map(asMap);
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  let more = false;
  let count = 0;
  const take = (addresses: Record<string, unknown>[], port?: number) => {
    count += addresses.length;
    for (const a of addresses) {
      if (list.length === MAX_LISTED) {
        more = true;
        break;
      }
      list.push(port === undefined ? asString(a.ip) : joinHostPort(asString(a.ip), port));
    }
  };
  for (const ss of subsets) {
    const addresses = asList(ss.addresses).map(asMap);
    const ports = asList(ss.ports).map(asMap);
    if (ports.length === 0) take(addresses);
    else for (const p of ports) take(addresses, asNumber(p.port));
  }
  const joined = list.join(",");
  return more ? `${joined} + ${count - MAX_LISTED} more...` : joined;
}

/** net.JoinHostPort: IPv6 hosts are bracketed. */
const joinHostPort = (host: string, port: number) =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;

export const endpoints: ResourceDef = {
  group: "",
  version: "v1",
  resource: "endpoints",
  singular: "endpoints",
  kind: "Endpoints",
  listKind: "EndpointsList",
  namespaced: true,
  shortNames: ["ep"],
  verbs: CRUD,
  printer: {
    columns: [NAME_COLUMN, column("Endpoints", "string", DOCS.subsets), AGE_COLUMN],
    cells: (ep, now) => [nameOf(ep), formatEndpoints(ep), age(ep, now)],
  },
};
