// The kube-controller-manager's csrsigning controller for the kubernetes.io/kube-apiserver-client signer
// (pkg/controller/certificates/signer/signer.go, with the signer's usage rules of
// pkg/apis/certificates/v1/helpers.go): an approved request gets a client certificate from the cluster CA
// for the CSR's own public key and subject, valid for spec.expirationSeconds capped at the signing duration
// (one year, --cluster-signing-duration's default); a request the signer cannot honour is marked Failed.
import { createPublicKey } from "node:crypto";
import type { KubeObject } from "../../meta/types.ts";
import { loadX509 } from "../pki/x509-lib.ts";
import { asList, asMap, asMaps, asString } from "../registry/json-access.ts";
import { KUBE_APISERVER_CLIENT_SIGNER } from "../registry/kinds/certificates/certificatesigningrequest.ts";
import { rfc3339 } from "../registry/objects.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";

const CSRS = "certificatesigningrequests.certificates.k8s.io";
const SIGNING_DURATION_SECONDS = 365 * 24 * 3600;
/** Usages a kube-apiserver-client certificate may carry; "client auth" is required. */
const CLIENT_USAGES = new Set(["client auth", "digital signature", "key encipherment"]);

interface Parsed {
  publicKey: ReturnType<typeof createPublicKey>;
  commonName: string;
  organizations: string[];
}

async function parseRequest(csr: KubeObject): Promise<Parsed> {
  const x509 = await loadX509();
  const pem = Buffer.from(asString(asMap(csr.spec).request), "base64").toString("latin1");
  const req = new x509.Pkcs10CertificateRequest(pem);
  if (!(await req.verify())) throw new Error("x509: CSR signature does not verify");
  const publicKey = createPublicKey({ key: Buffer.from(req.publicKey.rawData), format: "der", type: "spki" });
  const name = req.subjectName;
  return {
    publicKey,
    commonName: name.getField("CN")[0] ?? "",
    organizations: name.getField("O"),
  };
}

/** Why the signer refuses a request, or undefined (IsKubeletClientCSR-style checks for this signer). */
function refusal(csr: KubeObject, parsed: Parsed): string | undefined {
  const usages = asList(asMap(csr.spec).usages).map(asString);
  const bad = usages.filter((u) => !CLIENT_USAGES.has(u));
  if (bad.length || !usages.includes("client auth"))
    return `invalid usage for client certificate: ${bad.join(",") || "missing client auth"}`;
  if (parsed.organizations.includes("system:masters"))
    return "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed";
  return undefined;
}

export function startCsrSigningController(c: ControllerContext): Controller {
  const def = c.registry.find("certificates.k8s.io", "v1", "certificatesigningrequests");
  const status = async (name: string, update: (csr: KubeObject) => void) => {
    if (!def) return;
    await c.objects.guaranteedUpdate(
      def,
      "",
      name,
      (current) => {
        const next = structuredClone(current) as KubeObject;
        update(next);
        return next;
      },
      { user: CONTROLLER_USER, subresource: "status" },
    );
  };
  /** Appends the Failed condition the signer reports for a request it will not sign. */
  const fail = (name: string, message: string) => {
    const now = rfc3339(new Date());
    const failed = {
      type: "Failed",
      status: "True",
      reason: "SignerValidationFailure",
      message,
      lastUpdateTime: now,
      lastTransitionTime: now,
    };
    return status(name, (next) => {
      const s = asMap(next.status);
      next.status = { ...s, conditions: [...asMaps(s.conditions), failed] };
    });
  };
  return controller(
    c,
    "csr-signing",
    async (name) => {
      const csr = c.store.get(CSRS, "", name)?.object();
      if (!csr || asString(asMap(csr.spec).signerName) !== KUBE_APISERVER_CLIENT_SIGNER) return;
      const st = asMap(csr.status);
      const types = new Set(asMaps(st.conditions).map((x) => asString(x.type)));
      if (!types.has("Approved") || types.has("Denied") || types.has("Failed") || asString(st.certificate))
        return;
      const outcome = await parseRequest(csr).then(
        (parsed) => ({ parsed, why: refusal(csr, parsed) }),
        (e: Error) => ({ parsed: undefined, why: e.message }),
      );
      if (outcome.why || !outcome.parsed) return fail(name, outcome.why ?? "unparseable request");
      const { parsed } = outcome;
      const requested = asMap(csr.spec).expirationSeconds;
      const seconds = Math.min(
        typeof requested === "number" ? requested : SIGNING_DURATION_SECONDS,
        SIGNING_DURATION_SECONDS,
      );
      const pem = await c.pki.signClientCert(
        parsed.publicKey,
        { commonName: parsed.commonName, organizations: parsed.organizations },
        seconds / 86400,
      );
      await status(name, (next) => {
        next.status = { ...asMap(next.status), certificate: Buffer.from(pem).toString("base64") };
      });
    },
    [{ resource: CSRS, key: (e) => e.name }],
    () => c.store.list(CSRS).items.map((e) => e.name),
  );
}
