// printers.go for leases (printLease): Name, Holder, Age.
import type { KubeObject } from "../../../meta/types.ts";
import { asMap, asString } from "../json-access.ts";
import type { PrinterTable } from "../tables.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./columns.ts";
import { age, nameOf } from "./format.ts";

// coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"] as of Kubernetes 1.33.
const HOLDER_DOC =
  "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.";

export const COORDINATION_PRINTERS: PrinterTable = {
  "coordination.k8s.io/leases": {
    columns: [NAME_COLUMN, column("Holder", "string", HOLDER_DOC), AGE_COLUMN],
    cells: (lease: KubeObject, now) => [
      nameOf(lease),
      asString(asMap(lease.spec).holderIdentity),
      age(lease, now),
    ],
  },
};
