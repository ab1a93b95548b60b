// A recording HTTPS proxy in front of the local API server, for capturing what real kubectl sends.
// Protobuf bodies are recorded verbatim, then forwarded as JSON (decoded by the module under test) so
// kubectl sees real answers; every other request passes through unchanged.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from "../../../src/server/http/protobuf/index.ts";

export interface Recorded {
  method: string;
  path: string;
  body: Buffer;
}

export interface Upstream {
  url: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface CaptureProxy {
  url: string;
  /** The proxy's self-signed serving certificate (use it as the kubeconfig CA). */
  certPem: string;
  recorded: Recorded[];
  close(): Promise<void>;
}

function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "incluster-capture-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"]
        .concat(["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        .concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]),
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startCaptureProxy(upstream: Upstream): Promise<CaptureProxy> {
  const { key, cert } = selfSigned();
  const recorded: Recorded[] = [];
  const server = https.createServer({ key, cert }, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body = Buffer.concat(chunks);
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers.host;
    if (headers["content-type"]?.startsWith(PROTOBUF_MEDIA_TYPE)) {
      recorded.push({ method: req.method ?? "", path: req.url ?? "", body });
      try {
        body = Buffer.from(JSON.stringify(decodeKubernetesProtobuf(body)));
        headers["content-type"] = "application/json";
        headers["content-length"] = String(body.length);
      } catch {
        // Forward as is: the server answers 415, and the capture still has the body.
      }
    }
    const out = https.request(
      `${upstream.url}${req.url}`,
      { method: req.method, headers, ca: upstream.caPem, cert: upstream.certPem, key: upstream.keyPem },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on("error", (e) => res.destroy(e));
    out.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    certPem: cert,
    recorded,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
