// The certificates admission plugins (kubernetes plugin/pkg/admission/certificates/{approval,signing,
// subjectrestriction}): approving a CSR needs the `approve` verb, and issuing its certificate the `sign`
// verb, on signers.certificates.k8s.io named by the CSR's signerName (or "<domain>/*"); and nobody may ask
// the kube-apiserver-client signer for a system:masters certificate.
import { goQuote, qualifiedResource, Status } from "../../meta/status.ts";
import type { KubeObject, UserInfo } from "../../meta/types.ts";
import type { Authorizer } from "../authz/index.ts";
import { ApiStatusError } from "../http/errors.ts";
import { loadX509 } from "../pki/x509-lib.ts";
import { asMap, asString } from "../registry/json-access.ts";
import { KUBE_APISERVER_CLIENT_SIGNER } from "../registry/kinds/certificates/certificatesigningrequest.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

const GROUP = "certificates.k8s.io";

/** certificates.IsAuthorizedForSignerName: the exact signer, or every signer of its domain. */
function authorizedForSigner(authz: Authorizer, user: UserInfo, verb: string, signerName: string): boolean {
  const allowed = (name: string) =>
    authz.authorize({
      resourceRequest: true,
      user,
      verb,
      namespace: "",
      apiGroup: GROUP,
      resource: "signers",
      subresource: "",
      name,
    }).allowed;
  const slash = signerName.indexOf("/");
  return allowed(signerName) || (slash > 0 && allowed(`${signerName.slice(0, slash)}/*`));
}

function forbidden(req: AdmissionRequest, why: string): ApiStatusError {
  const what = qualifiedResource(req.def.resource, req.def.group);
  return new ApiStatusError(
    Status.forbidden(
      `${what} ${goQuote(req.name)} is forbidden: ${why}`,
      req.def.resource,
      req.def.group,
      req.name,
    ),
  );
}

const signerOf = (obj: KubeObject | undefined) => asString(asMap(obj?.spec).signerName);

/** The request's subject organizations (x509 is loaded only when a kube-apiserver-client CSR arrives). */
async function organizations(csr: KubeObject): Promise<string[] | undefined> {
  try {
    const x509 = await loadX509();
    const pem = Buffer.from(asString(asMap(csr.spec).request), "base64").toString("latin1");
    return new x509.Pkcs10CertificateRequest(pem).subjectName.getField("O");
  } catch {
    return undefined; // validation reports a malformed request
  }
}

export function certificatesAdmission(authz: Authorizer): AdmissionPlugin {
  return {
    name: "CertificateApproval,CertificateSigning,CertificateSubjectRestriction",
    async validate(req) {
      if (req.def.group !== GROUP || req.def.resource !== "certificatesigningrequests") return;
      const csr = req.object;
      if (req.operation === "CREATE" && csr && signerOf(csr) === KUBE_APISERVER_CLIENT_SIGNER) {
        if ((await organizations(csr))?.includes("system:masters"))
          throw forbidden(
            req,
            `use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`,
          );
      }
      if (req.operation !== "UPDATE" || !csr) return;
      const signer = signerOf(csr);
      if (req.subresource === "approval" && !authorizedForSigner(authz, req.user, "approve", signer))
        throw forbidden(req, `user not permitted to approve requests with signerName ${goQuote(signer)}`);
      if (req.subresource === "status") {
        const before = asString(asMap(req.oldObject?.status).certificate);
        const after = asString(asMap(csr.status).certificate);
        if (before !== after && !authorizedForSigner(authz, req.user, "sign", signer))
          throw forbidden(req, `user not permitted to sign requests with signerName ${goQuote(signer)}`);
      }
    },
  };
}
