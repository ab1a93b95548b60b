// pods/portforward: what the apiserver (pkg/registry/core/pod/rest/subresources.go PortForwardREST.Connect,
// pod.PortForwardLocation) and the kubelet (pkg/kubelet/server/server.go getPortForward,
// pkg/kubelet/cri/streaming/portforward.ServePortForward) do between them, in one process:
// SPDY (kubectl < 1.31, or with KUBECTL_PORT_FORWARD_WEBSOCKETS=false), SPDY tunnelled through a websocket
// (kubectl ≥ 1.31, apiserver's TunnelingHandler) and the kubelet's own websocket protocol (v4.channel.k8s.io).
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { failure, Status } from "../../meta/status.ts";
import type { KubeObject } from "../../meta/types.ts";
import { forbiddenMessage } from "../../rbac/index.ts";
import type { Call } from "../handlers/call.ts";
import { ApiStatusError, fail } from "../http/errors.ts";
import { attributesOf } from "../http/server.ts";
import { admitConnect, rejectConnectDryRun } from "./connect-admission.ts";
import {
  queryPorts,
  STREAM_IDLE_TIMEOUT_MS,
  SUPPORTED_PORT_FORWARD_PROTOCOLS,
  servePortForward,
} from "./portforward.ts";
import { acceptTunnel, isTunnelingRequest, isWebSocketRequest } from "./portforward-tunnel.ts";
import { serveWebSocketPortForward, websocketPorts } from "./portforward-websocket.ts";
import { acceptSpdy, writeHttpError } from "./spdy.ts";
import { takeUpgrade } from "./upgrade.ts";

export async function podPortForward(call: Call): Promise<void> {
  const { ctx, req, res, info, user } = call;
  // The connect options (PodPortForwardOptions) are decoded first (ConnectResource's getRequestOptions), then
  // admitted (connect-admission.ts).
  rejectConnectDryRun(call.query);
  const decoded = queryPorts(call.query.getAll("ports"));
  if (typeof decoded === "string") throw fail.badRequest(decoded);
  const options = {
    kind: "PodPortForwardOptions",
    apiVersion: "v1",
    ...(decoded.length ? { ports: decoded } : {}),
  };
  const admitted = (await admitConnect(call, options as KubeObject)) as { ports?: unknown };
  const ports = Array.isArray(admitted.ports) ? admitted.ports.map(Number) : [];
  // ensureAuthorizedForVerb (AuthorizePodWebsocketUpgradeCreatePermission, on by default since 1.35): a
  // websocket arrives as GET, but opening a port-forward is "create", as it is over SPDY's POST. The refusal
  // names the missing permission as the authorization filter's does (upstream's repeats only the reason).
  if (info.verb !== "create") {
    const attributes = { ...attributesOf(info, user), verb: "create" };
    const decision = ctx.authz.authorize(attributes);
    if (!decision.allowed) {
      const { message, details } = forbiddenMessage(attributes, decision.reason);
      throw new ApiStatusError(failure(403, "Forbidden", message, details));
    }
  }
  const entry = ctx.store.get("pods", info.namespace, info.name);
  if (!entry) throw fail.notFound("pods", "", info.name);
  const pod = entry.object() as Pod;
  // PortForwardLocation → streamLocation: the Pod must be on a node.
  if (!pod.spec?.nodeName) throw fail.badRequest(`pod ${info.name} does not have a host assigned`);
  // UpgradeAwareHandler with upgradeRequired.
  if (!isUpgradeRequest(req.headers.connection)) throw fail.badRequest("Upgrade request required");
  if (!ctx.podPortForward)
    throw fail.badRequest(`no runtime serves node "${pod.spec.nodeName}": port-forward is unavailable`);

  const upgrade = takeUpgrade(req, res);
  if (!upgrade)
    throw new ApiStatusError(Status.internal("the connection could not be taken over for streaming"));
  const { socket, head } = upgrade;
  const log = ctx.log.child({ pod: `${info.namespace}/${info.name}`, user: user.username });
  // The kubelet's getPortForward: the Pod must be one it runs, with the UID the apiserver saw.
  const target = ctx.podPortForward.target(info.namespace, info.name, pod.metadata?.uid ?? "");
  if (!target) return void writeHttpError(socket, 404, "pod does not exist");

  if (isTunnelingRequest(req)) {
    const session = await acceptTunnel(req, socket, head, SUPPORTED_PORT_FORWARD_PROTOCOLS, {
      idleTimeoutMs: STREAM_IDLE_TIMEOUT_MS,
    });
    if (session) servePortForward(session, target, log);
    return;
  }
  if (isWebSocketRequest(req))
    return serveWebSocketPortForward(
      req,
      socket,
      head,
      websocketPorts(ports),
      target,
      log,
      STREAM_IDLE_TIMEOUT_MS,
    );
  const session = acceptSpdy(req, socket, head, SUPPORTED_PORT_FORWARD_PROTOCOLS, {
    idleTimeoutMs: STREAM_IDLE_TIMEOUT_MS,
  });
  if (session) servePortForward(session, target, log);
}

/** httpstream.IsUpgradeRequest: a Connection header that mentions "upgrade". */
function isUpgradeRequest(connection: string | undefined): boolean {
  return (connection ?? "").toLowerCase().includes("upgrade");
}
