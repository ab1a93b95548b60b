// Pure checks of the way to the API server: the CA bundle, then DNS, TCP and TLS.
import type { CheckResult, DoctorFacts } from "./types.ts";

// Node's codes for "the chain does not lead to a trusted CA".
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_SIGNATURE_FAILURE",
]);

export function checkCa(f: DoctorFacts): CheckResult {
  const ca = f.ca;
  if (!ca)
    return { id: "ca", status: "skip", summary: "no CA configured: the system roots verify the API server" };
  if (ca.insecure) {
    return {
      id: "ca",
      status: "warn",
      summary:
        "TLS verification is disabled (insecure-skip-tls-verify): anyone on the path can impersonate the API server",
      fix: [
        "Put the cluster's CA in the kubeconfig (certificate-authority-data) and remove insecure-skip-tls-verify.",
      ],
    };
  }
  if (ca.error || !ca.certificates) {
    return {
      id: "ca",
      status: "fail",
      summary: `${ca.source}: ${ca.error ?? "no certificates"}`,
      fix: [
        "ca.crt comes from the kube-root-ca.crt ConfigMap of the namespace: check that it exists and holds a PEM bundle, then restart the Pod.",
      ],
    };
  }
  const now = f.now;
  const first = ca.certificates[0];
  const summary = `${ca.source}: ${ca.certificates.length} certificate${ca.certificates.length > 1 ? "s" : ""}, ${first.subject}, valid until ${first.notAfter.toISOString()}`;
  const expired = ca.certificates.filter((c) => c.notAfter <= now || c.notBefore > now);
  if (expired.length === ca.certificates.length) {
    return {
      id: "ca",
      status: "fail",
      summary: `${summary}: no certificate is valid now`,
      fix: [
        "The cluster CA expired (or this clock is wrong): the cluster's CA must be rotated, then kube-root-ca.crt and the Pods pick it up.",
      ],
    };
  }
  const tls = f.network?.tls;
  if (tls?.ok && tls.authorized === false && UNTRUSTED.has(tls.authorizationError ?? "")) {
    return {
      id: "ca",
      status: "fail",
      summary: `${summary}: it does NOT verify the API server (${tls.authorizationError})`,
      details: [`The server presented ${tls.peerSubject ?? "a certificate"} signed by another CA.`],
      fix: [
        "The bundle belongs to another cluster, a CA rotation is half done, or a TLS-intercepting proxy sits in between:",
        "use this cluster's CA (kube-root-ca.crt) and make sure HTTPS_PROXY does not intercept the API server.",
      ],
    };
  }
  if (tls?.ok && tls.authorized)
    return { id: "ca", status: "ok", summary: `${summary}; verifies the API server's certificate` };
  return {
    id: "ca",
    status: expired.length > 0 ? "warn" : "ok",
    summary:
      expired.length > 0 ? `${summary}; ${expired.length} expired certificate(s) in the bundle` : summary,
  };
}

export function checkDns(f: DoctorFacts): CheckResult {
  const n = f.network;
  if (!n) return { id: "dns", status: "skip", summary: f.serverError ?? "no API server address" };
  if (n.dns.literal)
    return { id: "dns", status: "ok", summary: `${n.host} is an IP address: no lookup needed` };
  if (n.dns.error) {
    return {
      id: "dns",
      status: "fail",
      summary: `${n.host} does not resolve (${n.dns.error})`,
      fix: [
        "Check the Pod's DNS (dnsPolicy, CoreDNS); in-cluster clients can use KUBERNETES_SERVICE_HOST, an IP that needs no DNS.",
      ],
    };
  }
  return { id: "dns", status: "ok", summary: `${n.host} → ${(n.dns.addresses ?? []).join(", ")}` };
}

export function checkTcp(f: DoctorFacts): CheckResult {
  const n = f.network;
  if (!n?.tcp) return { id: "tcp", status: "skip", summary: "not tried (no address)" };
  if (!n.tcp.ok) {
    const refused = n.tcp.error === "ECONNREFUSED";
    return {
      id: "tcp",
      status: "fail",
      summary: `cannot connect to ${n.host}:${n.port} (${n.tcp.error})`,
      fix: refused
        ? ["Nothing listens there: the API server is down, or the host/port is wrong."]
        : [
            "No answer: an egress NetworkPolicy or firewall may block the API server (allow TCP to it), or it is overloaded.",
          ],
    };
  }
  return { id: "tcp", status: "ok", summary: `connected to ${n.host}:${n.port} in ${n.tcp.ms} ms` };
}

export function checkTls(f: DoctorFacts): CheckResult {
  const tls = f.network?.tls;
  if (!tls) return { id: "tls", status: "skip", summary: "not tried (no TCP connection)" };
  if (!tls.ok) {
    return {
      id: "tls",
      status: "fail",
      summary: `TLS handshake failed (${tls.error})`,
      fix: [
        "The port does not speak TLS (plain HTTP, or another service): check the server URL's scheme and port.",
      ],
    };
  }
  const cert = `${tls.peerSubject ?? "certificate"}${tls.peerAltNames ? ` (${tls.peerAltNames})` : ""}`;
  if (tls.hostnameError) {
    return {
      id: "tls",
      status: "fail",
      summary: `the server certificate ${cert} is not valid for ${f.network!.host}: ${tls.hostnameError}`,
      fix: [
        "Connect with a name the certificate lists (kubernetes.default.svc or KUBERNETES_SERVICE_HOST), or set tls-server-name in the kubeconfig.",
      ],
    };
  }
  if (tls.peerValidTo && tls.peerValidTo <= f.now) {
    return {
      id: "tls",
      status: "fail",
      summary: `the server certificate ${cert} expired at ${tls.peerValidTo.toISOString()}`,
      fix: ["The API server's serving certificate must be renewed (or this machine's clock is wrong)."],
    };
  }
  return { id: "tls", status: "ok", summary: `${tls.protocol ?? "TLS"}, server certificate ${cert}` };
}
