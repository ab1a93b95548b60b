// One client counting every Pod, in a process of its own so its peak RSS is its own. Started by count.ts with
// fork(): options as JSON in argv[2]; the result goes back over IPC. The library is imported first (timed
// apart), then each iteration builds a fresh client (new connection, TLS handshake) and counts.
export type CountMode = "count" | "count-selector" | "client-node";

export interface CountChildOptions {
  mode: CountMode;
  url: string;
  caPath: string;
  token: string;
  /** incluster: the client module, compiled (…/dist/client/index.js) or the sources (src/client/index.ts). */
  clientModule?: string;
  /** Iterations in this process: the first is cold (JIT, first connection), the rest warm. */
  iterations: number;
}

export interface CountChildResult {
  mode: CountMode;
  importMs: number;
  /** Wall time of each iteration: client construction + the count. */
  runsMs: number[];
  items: number;
  /** process.resourceUsage().maxRSS in bytes (peak resident set of the whole process). */
  maxRSS: number;
}

type Counter = () => Promise<number>;

async function incluster(o: CountChildOptions): Promise<() => Counter> {
  const { createClient } = (await import(
    o.clientModule ?? "../../src/client/index.ts"
  )) as typeof import("../../src/client/index.ts");
  const selector = o.mode === "count-selector";
  return () => async () => {
    const client = await createClient({
      server: o.url,
      caFile: o.caPath,
      token: o.token,
      namespace: "bench",
    });
    try {
      // A selector that matches every Pod: the server then omits remainingItemCount, so count() falls back to
      // metadata-only pages of 500.
      return await client
        .resource("pods")
        .count(selector ? { allNamespaces: true, labelSelector: "app" } : { allNamespaces: true });
    } finally {
      client.close();
    }
  };
}

async function clientNode(o: CountChildOptions): Promise<() => Counter> {
  const k8s = await import("@kubernetes/client-node");
  return () => async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "bench", server: o.url, caFile: o.caPath, skipTLSVerify: false }],
      users: [{ name: "counter", token: o.token }],
      contexts: [{ name: "bench", cluster: "bench", user: "counter" }],
      currentContext: "bench",
    });
    const list = await kc.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces();
    return list.items.length;
  };
}

const options = JSON.parse(process.argv[2]) as CountChildOptions;
let start = performance.now();
const make = options.mode === "client-node" ? await clientNode(options) : await incluster(options);
const importMs = performance.now() - start;
const runsMs: number[] = [];
let items = 0;
for (let i = 0; i < options.iterations; i++) {
  const count = make();
  start = performance.now();
  items = await count();
  runsMs.push(performance.now() - start);
}
const result: CountChildResult = {
  mode: options.mode,
  importMs,
  runsMs,
  items,
  maxRSS: process.resourceUsage().maxRSS * 1024,
};
process.send?.(result, () => process.exit(0));
