// Every kind served, one module each (registry/kinds/<group>/<kind>.ts exporting its ResourceDef).
// Discovery lists groups and, within a group, resources in this order.
import type { ResourceDef } from "../types.ts";
import { mutatingWebhookConfiguration } from "./admissionregistration/mutatingwebhookconfiguration.ts";
import { validatingAdmissionPolicy } from "./admissionregistration/validatingadmissionpolicy.ts";
import { validatingAdmissionPolicyBinding } from "./admissionregistration/validatingadmissionpolicybinding.ts";
import { validatingWebhookConfiguration } from "./admissionregistration/validatingwebhookconfiguration.ts";
import { customResourceDefinition } from "./apiextensions/customresourcedefinition.ts";
import { apiService } from "./apiregistration/apiservice.ts";
import { controllerRevision } from "./apps/controllerrevision.ts";
import { daemonSet } from "./apps/daemonset.ts";
import { deployment } from "./apps/deployment.ts";
import { replicaSet } from "./apps/replicaset.ts";
import { statefulSet } from "./apps/statefulset.ts";
import { selfSubjectReview, selfSubjectReviewOlder } from "./authentication/selfsubjectreview.ts";
import { tokenReview } from "./authentication/tokenreview.ts";
import { localSubjectAccessReview } from "./authorization/localsubjectaccessreview.ts";
import { selfSubjectAccessReview } from "./authorization/selfsubjectaccessreview.ts";
import { selfSubjectRulesReview } from "./authorization/selfsubjectrulesreview.ts";
import { subjectAccessReview } from "./authorization/subjectaccessreview.ts";
import { horizontalPodAutoscaler } from "./autoscaling/horizontalpodautoscaler.ts";
import { horizontalPodAutoscalerV1 } from "./autoscaling/horizontalpodautoscaler-v1.ts";
import { cronJob } from "./batch/cronjob.ts";
import { job } from "./batch/job.ts";
import { certificateSigningRequest } from "./certificates/certificatesigningrequest.ts";
import { lease } from "./coordination/lease.ts";
import { binding } from "./core/binding.ts";
import { componentStatusDef } from "./core/componentstatus.ts";
import { configMap } from "./core/configmap.ts";
import { endpoints } from "./core/endpoints.ts";
import { event } from "./core/event.ts";
import { limitRange } from "./core/limitrange.ts";
import { namespace } from "./core/namespace.ts";
import { node } from "./core/node.ts";
import { persistentVolume } from "./core/persistentvolume.ts";
import { persistentVolumeClaim } from "./core/persistentvolumeclaim.ts";
import { pod } from "./core/pod.ts";
import { podTemplate } from "./core/podtemplate.ts";
import { replicationController } from "./core/replicationcontroller.ts";
import { resourceQuota } from "./core/resourcequota.ts";
import { secret } from "./core/secret.ts";
import { service } from "./core/service.ts";
import { serviceAccount } from "./core/serviceaccount.ts";
import { endpointSlice } from "./discovery/endpointslice.ts";
import { eventsV1Event } from "./events/event.ts";
import { flowSchema } from "./flowcontrol/flowschema.ts";
import { priorityLevelConfiguration } from "./flowcontrol/prioritylevelconfiguration.ts";
import { nodeMetricsDef } from "./metrics/nodemetrics.ts";
import { podMetricsDef } from "./metrics/podmetrics.ts";
import { ingress } from "./networking/ingress.ts";
import { ingressClass } from "./networking/ingressclass.ts";
import { ipAddress } from "./networking/ipaddress.ts";
import { networkPolicy } from "./networking/networkpolicy.ts";
import { serviceCIDR } from "./networking/servicecidr.ts";
import { runtimeClass } from "./node/runtimeclass.ts";
import { podDisruptionBudget } from "./policy/poddisruptionbudget.ts";
import { clusterRole } from "./rbac/clusterrole.ts";
import { clusterRoleBinding } from "./rbac/clusterrolebinding.ts";
import { role } from "./rbac/role.ts";
import { roleBinding } from "./rbac/rolebinding.ts";
import { priorityClass } from "./scheduling/priorityclass.ts";
import { csiDriver } from "./storage/csidriver.ts";
import { csiNode } from "./storage/csinode.ts";
import { csiStorageCapacity } from "./storage/csistoragecapacity.ts";
import { storageClass } from "./storage/storageclass.ts";
import { volumeAttachment } from "./storage/volumeattachment.ts";

export const KINDS: readonly ResourceDef[] = [
  binding,
  componentStatusDef,
  namespace,
  serviceAccount,
  secret,
  configMap,
  pod,
  service,
  endpoints,
  node,
  event,
  limitRange,
  persistentVolumeClaim,
  persistentVolume,
  podTemplate,
  replicationController,
  resourceQuota,
  deployment,
  replicaSet,
  // autoscaling: stored as v2 (listed first: the preferred version), v1 a view of it (ResourceDef.storage).
  horizontalPodAutoscaler,
  horizontalPodAutoscalerV1,
  cronJob,
  job,
  endpointSlice,
  lease,
  podDisruptionBudget,
  role,
  clusterRole,
  roleBinding,
  clusterRoleBinding,
  tokenReview,
  selfSubjectReview,
  selfSubjectAccessReview,
  selfSubjectRulesReview,
  subjectAccessReview,
  localSubjectAccessReview,
  mutatingWebhookConfiguration,
  validatingAdmissionPolicy,
  validatingAdmissionPolicyBinding,
  validatingWebhookConfiguration,
  lease,
  customResourceDefinition,
  controllerRevision,
  daemonSet,
  statefulSet,
  ...selfSubjectReviewOlder,
  apiService,
  certificateSigningRequest,
  eventsV1Event,
  ingressClass,
  ingress,
  ipAddress,
  networkPolicy,
  serviceCIDR,
  runtimeClass,
  priorityClass,
  csiDriver,
  csiNode,
  csiStorageCapacity,
  storageClass,
  volumeAttachment,
  flowSchema,
  priorityLevelConfiguration,
  // metrics.k8s.io: metrics-server's group, served from the runtime's usage (discovery lists nodes first).
  nodeMetricsDef,
  podMetricsDef,
];
