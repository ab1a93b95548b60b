// discovery.k8s.io/v1 EndpointSlice: ValidateEndpointSlice (validation/core.ts), printEndpointSlice.

import type { KubeObject } from "../../../../meta/types.ts";
import { asList, asMap, asString } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, listWithMore, nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { validateEndpointSlice } from "../../validation/core.ts";
import { fields } from "../fields.ts";
import { CRUD } from "../verbs.ts";

const DOCS = {
  addressType:
    "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.",
  slicePorts:
    'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
  sliceEndpoints:
    "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.",
};

const MAX_LISTED = 3;

/** The first three items as strings, then "+ N more..." (formatDiscoveryPorts/Endpoints). */
function firstThree(items: string[]): string {
  return listWithMore(
    items.slice(0, MAX_LISTED),
    items.length > MAX_LISTED,
    items.length,
    MAX_LISTED,
    "<unset>",
  );
}

function slicePorts(slice: KubeObject): string {
  return firstThree(
    asList(slice.ports)
      .map(asMap)
      .map((p) => (typeof p.port === "number" ? String(p.port) : typeof p.name === "string" ? p.name : "*")),
  );
}

function sliceEndpoints(slice: KubeObject): string {
  return firstThree(
    asList(slice.endpoints)
      .map(asMap)
      .flatMap((e) => asList(e.addresses).map(asString)),
  );
}

export const endpointSlice: ResourceDef = {
  group: "discovery.k8s.io",
  version: "v1",
  resource: "endpointslices",
  singular: "endpointslice",
  kind: "EndpointSlice",
  listKind: "EndpointSliceList",
  namespaced: true,
  verbs: CRUD,
  selectableFields: fields("addressType"),
  validate: validateEndpointSlice,
  printer: {
    columns: [
      NAME_COLUMN,
      column("AddressType", "string", DOCS.addressType),
      column("Ports", "string", DOCS.slicePorts),
      column("Endpoints", "string", DOCS.sliceEndpoints),
      AGE_COLUMN,
    ],
    cells: (slice, now) => [
      nameOf(slice),
      asString(slice.addressType),
      slicePorts(slice),
      sliceEndpoints(slice),
      age(slice, now),
    ],
  },
};
