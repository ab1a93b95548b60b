// persistentVolumeClaim volumes: the kubelet waits until the claim is Bound (kubelet volumemanager
// desired_state_of_world_populator: "PVC is not bound"), then mounts the bound PersistentVolume. This
// runtime mounts only what the API server's local-path provisioner made (controllers/persistent-volumes.ts):
// a PV annotated provisioned-by incluster.dev/local-path whose hostPath is <volumes dir>/<pv name>. Any other
// PV is refused: whoever may create a PersistentVolume could otherwise hand a Pod any directory of this host.
// Ported checks: pkg/kubelet/volumemanager/populator/desired_state_of_world_populator.go (getPVSpec).
import path from "node:path";
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.d.ts";
import { isNotFound, type KubeClient } from "../client/index.ts";
import { goQuote } from "../meta/go-quote.ts";

export const LOCAL_PATH_PROVISIONER = "incluster.dev/local-path";
const ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";

export class PersistentVolumeSource {
  readonly #client: KubeClient;
  readonly #root: string | undefined;
  readonly #nodeName: string;

  /** root: the API server's persistentVolumesDir; without it no claim is mounted. */
  constructor(client: KubeClient, root: string | undefined, nodeName: string) {
    this.#client = client;
    this.#root = root ? path.resolve(root) : undefined;
    this.#nodeName = nodeName;
  }

  /** The directory of the volume bound to namespace/claimName, or why it cannot be mounted (yet). */
  async resolve(namespace: string, claimName: string): Promise<string | Error> {
    const what = `error processing PVC ${namespace}/${claimName}`;
    if (!this.#root) {
      return new Error(
        `${what}: this runtime was started without the API server's volumes directory (RuntimeOptions.persistentVolumesDir), so it mounts no PersistentVolumeClaims`,
      );
    }
    const claim = await this.#get<PersistentVolumeClaim>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims/${encodeURIComponent(claimName)}`,
    );
    if (claim instanceof Error)
      return new Error(`${what}: failed to fetch PVC from API server: ${claim.message}`);
    if (claim.metadata?.deletionTimestamp) return new Error(`${what}: PVC is being deleted`);
    const volumeName = claim.spec?.volumeName;
    if (claim.status?.phase !== "Bound" || !volumeName) return new Error(`${what}: PVC is not bound`);
    const volume = await this.#get<PersistentVolume>(
      `/api/v1/persistentvolumes/${encodeURIComponent(volumeName)}`,
    );
    if (volume instanceof Error)
      return new Error(`${what}: failed to fetch PV ${volumeName} from API server: ${volume.message}`);
    // getPVSpec: the volume must point back at this claim (a claim's status alone could name any volume).
    const claimRef = volume.spec?.claimRef;
    if (!claimRef)
      return new Error(
        `${what}: found PV object ${goQuote(volumeName)} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim`,
      );
    if (claimRef.uid !== claim.metadata?.uid)
      return new Error(
        `${what}: found PV object ${goQuote(volumeName)} but its pv.Spec.ClaimRef.UID (${goQuote(claimRef.uid ?? "")}) does not point to claim.UID (${goQuote(claim.metadata?.uid ?? "")})`,
      );
    const dir = path.join(this.#root, volumeName);
    const ours =
      volume.metadata?.annotations?.[ANN_PROVISIONED_BY] === LOCAL_PATH_PROVISIONER &&
      volume.spec?.hostPath?.path !== undefined &&
      path.resolve(volume.spec.hostPath.path) === dir;
    if (!ours) {
      return new Error(
        `PersistentVolume "${volumeName}" was not provisioned by ${LOCAL_PATH_PROVISIONER}: the incluster runtime mounts only volumes its provisioner created under its volumes directory (a PersistentVolume's own hostPath or local path could name any directory of this host)`,
      );
    }
    const nodes = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms?.flatMap(
      (t) => t.matchExpressions ?? [],
    );
    const elsewhere = nodes?.find(
      (e) => e.key === "kubernetes.io/hostname" && e.operator === "In" && !e.values?.includes(this.#nodeName),
    );
    if (elsewhere)
      return new Error(
        `PersistentVolume "${volumeName}" is on node ${elsewhere.values?.join(",")}, not ${this.#nodeName}`,
      );
    return dir;
  }

  async #get<T>(apiPath: string): Promise<T | Error> {
    try {
      return await this.#client.requestJson<T>({ method: "GET", path: apiPath });
    } catch (error) {
      if (isNotFound(error)) return new Error((error as Error).message);
      return error as Error;
    }
  }
}
