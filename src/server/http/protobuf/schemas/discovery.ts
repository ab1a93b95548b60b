// k8s.io/api discovery/v1 generated.proto.
// Field spec syntax: see ../schema.ts.
import type { PackageTable } from "../schema.ts";

export const DISCOVERY: PackageTable = {
  package: "discovery",
  messages: {
    Endpoint: {
      1: "addresses string[]",
      2: "conditions EndpointConditions",
      3: "hostname string keep",
      4: "targetRef core.ObjectReference",
      5: "deprecatedTopology map<string,string>",
      6: "nodeName string keep",
      7: "zone string keep",
      8: "hints EndpointHints",
    },
    EndpointConditions: {
      1: "ready bool keep",
      2: "serving bool keep",
      3: "terminating bool keep",
    },
    EndpointHints: {
      1: "forZones ForZone[]",
      2: "forNodes ForNode[]",
    },
    EndpointPort: {
      1: "name string keep",
      2: "protocol string keep",
      3: "port int32 keep",
      4: "appProtocol string keep",
    },
    EndpointSlice: {
      1: "metadata meta.ObjectMeta",
      2: "endpoints Endpoint[]",
      3: "ports EndpointPort[]",
      4: "addressType string keep",
    },
    ForNode: {
      1: "name string keep",
    },
    ForZone: {
      1: "name string keep",
    },
  },
};
