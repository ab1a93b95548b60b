// Real TLS handshakes with the generated certificates, both server-only and mutual.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { connect, createServer, type PeerCertificate, type Server, type TLSSocket } from "node:tls";
import { loadOrCreatePki, type Pki } from "../../../src/server/pki/index.ts";

interface Handshake {
  authorized: boolean;
  error?: string;
  /** What the server saw of the client certificate. */
  peer?: PeerCertificate;
  serverAuthorizedClient?: boolean;
}

async function listen(pki: Pki, onSecure: (socket: TLSSocket) => void): Promise<Server> {
  const server = createServer(
    {
      cert: pki.servingCertPem,
      key: pki.servingKeyPem,
      ca: pki.caCertPem,
      requestCert: true,
      rejectUnauthorized: false, // the test inspects socket.authorized itself
    },
    (socket) => {
      onSecure(socket);
      socket.end("ok");
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

describe("TLS with the generated PKI", () => {
  let pki: Pki;
  let otherPki: Pki;
  let server: Server;
  let port: number;
  let lastServerSide: { peer: PeerCertificate; authorized: boolean } | undefined;

  before(async () => {
    [pki, otherPki] = await Promise.all([loadOrCreatePki(), loadOrCreatePki()]);
    server = await listen(pki, (socket) => {
      lastServerSide = { peer: socket.getPeerCertificate(), authorized: socket.authorized };
    });
    port = (server.address() as AddressInfo).port;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function handshake(opts: {
    ca: string;
    servername?: string;
    cert?: string;
    key?: string;
  }): Promise<Handshake> {
    lastServerSide = undefined;
    return new Promise((resolve) => {
      const socket = connect({ host: "127.0.0.1", port, ...opts });
      socket.once("secureConnect", () => {
        socket.once("data", () => {
          resolve({
            authorized: socket.authorized,
            peer: lastServerSide?.peer,
            serverAuthorizedClient: lastServerSide?.authorized,
          });
          socket.destroy();
        });
      });
      socket.once("error", (err: NodeJS.ErrnoException) => resolve({ authorized: false, error: err.code }));
    });
  }

  for (const servername of ["kubernetes.default.svc", "localhost", "kubernetes.default.svc.cluster.local"]) {
    it(`verifies the server as ${servername} with ca = caCertPem`, async () => {
      const result = await handshake({ ca: pki.caCertPem, servername });
      assert.deepEqual(
        { authorized: result.authorized, error: result.error },
        { authorized: true, error: undefined },
      );
    });
  }

  it("verifies the server by IP address (127.0.0.1, no SNI)", async () => {
    const result = await handshake({ ca: pki.caCertPem });
    assert.equal(result.error, undefined);
    assert.equal(result.authorized, true);
  });

  it("fails for a name outside the SANs", async () => {
    const result = await handshake({ ca: pki.caCertPem, servername: "kubernetes.example.com" });
    assert.equal(result.error, "ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("fails against another CA", async () => {
    const result = await handshake({ ca: otherPki.caCertPem, servername: "localhost" });
    // The server also sends our CA (it is in its `ca` for client certs), hence "self signed in chain".
    assert.ok(
      ["SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"].includes(result.error ?? ""),
      result.error,
    );
    assert.equal(result.authorized, false);
  });

  it("authenticates the admin client certificate: CN and O reach the server", async () => {
    const result = await handshake({
      ca: pki.caCertPem,
      servername: "localhost",
      cert: pki.adminCertPem,
      key: pki.adminKeyPem,
    });
    assert.equal(result.serverAuthorizedClient, true);
    assert.equal(result.peer?.subject.CN, "kubernetes-admin");
    assert.equal(result.peer?.subject.O, "system:masters");
  });

  it("passes every organization of an issued client certificate", async () => {
    const client = await pki.issueClientCert({ commonName: "jane", organizations: ["dev", "ops"] });
    const result = await handshake({
      ca: pki.caCertPem,
      servername: "localhost",
      cert: client.certPem,
      key: client.keyPem,
    });
    assert.equal(result.serverAuthorizedClient, true);
    assert.equal(result.peer?.subject.CN, "jane");
    assert.deepEqual(result.peer?.subject.O, ["dev", "ops"]);
  });

  it("does not authorize a client certificate from another CA", async () => {
    const result = await handshake({
      ca: pki.caCertPem,
      servername: "localhost",
      cert: otherPki.adminCertPem,
      key: otherPki.adminKeyPem,
    });
    assert.equal(result.serverAuthorizedClient, false);
  });
});
