// Lazy access to @peculiar/x509. Loading it costs ~100 ms (tsyringe + ASN.1 schemas), which only pays
// off when certificates must be minted; restarts from a persisted PKI never load it.
import { webcrypto } from "node:crypto";

export type X509Lib = typeof import("@peculiar/x509");

let loading: Promise<X509Lib> | undefined;

export function loadX509(): Promise<X509Lib> {
  loading ??= (async () => {
    await import("reflect-metadata"); // tsyringe (inside @peculiar/x509) needs the Reflect metadata API first
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<X509Lib["cryptoProvider"]["set"]>[0]);
    return x509;
  })();
  return loading;
}
