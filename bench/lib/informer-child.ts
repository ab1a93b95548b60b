// One informer syncing every Pod, in a process of its own so its peak RSS is its own. Started by
// informer.ts with fork(): options as JSON in argv[2]; the result goes back over IPC.
export type InformerMode = "metadata" | "metadata-managed-fields" | "full" | "client-node";

export interface InformerChildOptions {
  mode: InformerMode;
  url: string;
  caPath: string;
  token: string;
  /** incluster: the compiled client module (…/dist/client/index.js). */
  clientModule: string;
}

export interface InformerChildResult {
  mode: InformerMode;
  /** Informer construction to synced (all objects in its cache). */
  syncMs: number;
  items: number;
  /** process.resourceUsage().maxRSS in bytes. */
  maxRSS: number;
  /** RSS and heap after a GC with the cache still held: what the app keeps paying. */
  heldRss: number;
  heldHeap: number;
  /** V8's committed heap and memory outside it (Buffers) at the same moment. */
  heldHeapTotal: number;
  heldExternal: number;
}

type Synced = { items: () => number; stop: () => void };

async function incluster(o: InformerChildOptions): Promise<Synced> {
  const { createClient } = (await import(o.clientModule)) as typeof import("../../src/client/index.ts");
  const client = await createClient({ server: o.url, caFile: o.caPath, token: o.token, namespace: "bench" });
  const informer = client.resource("pods").informer({
    allNamespaces: true,
    metadataOnly: o.mode !== "full",
    keepManagedFields: o.mode === "metadata-managed-fields",
  });
  await informer.synced;
  return {
    items: () => informer.store.size,
    stop: () => {
      informer.stop();
      client.close();
    },
  };
}

async function clientNode(o: InformerChildOptions): Promise<Synced> {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "bench", server: o.url, caFile: o.caPath, skipTLSVerify: false }],
    users: [{ name: "reader", token: o.token }],
    contexts: [{ name: "bench", cluster: "bench", user: "reader" }],
    currentContext: "bench",
  });
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const informer = k8s.makeInformer(kc, "/api/v1/pods", () => api.listPodForAllNamespaces());
  // start() resolves once the initial list is in the cache and the watch is open; a failed list only
  // reaches the "error" handlers, so report it.
  informer.on("error", (error: unknown) =>
    process.stderr.write(`client-node informer error: ${String(error).slice(0, 300)}\n`),
  );
  await informer.start();
  return { items: () => informer.list().length, stop: () => void informer.stop() };
}

const options = JSON.parse(process.argv[2]) as InformerChildOptions;
const start = performance.now();
const synced = options.mode === "client-node" ? await clientNode(options) : await incluster(options);
const syncMs = performance.now() - start;
const items = synced.items();
globalThis.gc?.();
const memory = process.memoryUsage();
const result: InformerChildResult = {
  mode: options.mode,
  syncMs,
  items,
  maxRSS: process.resourceUsage().maxRSS * 1024,
  heldRss: memory.rss,
  heldHeap: memory.heapUsed,
  heldHeapTotal: memory.heapTotal,
  heldExternal: memory.external,
};
synced.stop();
process.send?.(result, () => process.exit(0));
