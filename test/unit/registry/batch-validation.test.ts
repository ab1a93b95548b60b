// batch/v1 Job and CronJob: defaults (SetDefaults_Job/CronJob), the generated selector (job strategy),
// validation as kubernetes pkg/apis/batch/validation/validation_test.go tables check it (error cases keyed
// "<field>:<part of the message>", the first error must match), and the printers' cells.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject, StoredObject } from "../../../src/meta/types.ts";
import {
  cronJob,
  defaultCronJob,
  validateCronJob,
} from "../../../src/server/registry/kinds/batch/cronjob.ts";
import {
  defaultJob,
  generateSelector,
  JOB_PRINTER,
  validateJob,
} from "../../../src/server/registry/kinds/batch/job.ts";

const UID = "1a2b3c";
const GENERATED_LABELS = {
  "controller-uid": UID,
  "job-name": "myjob",
  "batch.kubernetes.io/controller-uid": UID,
  "batch.kubernetes.io/job-name": "myjob",
};

/** getValidPodTemplateSpecForGenerated, as a defaulted template reaches validation. */
function podTemplate(labels: Record<string, string> = GENERATED_LABELS, restartPolicy = "OnFailure") {
  return {
    metadata: { labels: { ...labels } },
    spec: {
      restartPolicy,
      dnsPolicy: "ClusterFirst",
      containers: [
        { name: "abc", image: "image", imagePullPolicy: "IfNotPresent", terminationMessagePolicy: "File" },
      ],
    },
  };
}

function validJob(spec: Record<string, unknown> = {}, name = "myjob"): KubeObject {
  return {
    metadata: { name, namespace: "default", uid: UID },
    spec: {
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": UID } },
      manualSelector: false,
      template: podTemplate({ ...GENERATED_LABELS, "job-name": name, "batch.kubernetes.io/job-name": name }),
      ...spec,
    },
  };
}

const stored = (obj: KubeObject) => obj as StoredObject;
const firstError = (causes: { field: string; message: string }[]) => causes[0];

function expectFirst(causes: { field: string; message: string }[], key: string) {
  const i = key.indexOf(":");
  const [field, part] = [key.slice(0, i), key.slice(i + 1)];
  const first = firstError(causes);
  assert.ok(first, `expected an error for ${key}`);
  assert.equal(first.field, field, `${key}: got ${first.field}: ${first.message}`);
  assert.ok(first.message.includes(part.trim()), `${key}: got ${first.message}`);
}

describe("Job defaults and the generated selector", () => {
  test("SetDefaults_Job fills what 1.33 fills", () => {
    const job: KubeObject = {
      metadata: { name: "x" },
      spec: { template: podTemplate({ app: "a" }, "Never") },
    };
    defaultJob(job);
    const spec = job.spec as Record<string, unknown>;
    assert.equal(spec.completions, 1);
    assert.equal(spec.parallelism, 1);
    assert.equal(spec.backoffLimit, 6);
    assert.equal(spec.completionMode, "NonIndexed");
    assert.equal(spec.suspend, false);
    assert.equal(spec.podReplacementPolicy, "TerminatingOrFailed");
    assert.equal(spec.manualSelector, false);
    assert.deepEqual(job.metadata?.labels, { app: "a" }, "a Job without labels takes the template's");
  });

  test("parallelism alone leaves completions unset; backoffLimitPerIndex raises backoffLimit; podFailurePolicy picks Failed", () => {
    const job: KubeObject = {
      spec: {
        parallelism: 3,
        backoffLimitPerIndex: 1,
        podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] },
        template: podTemplate(),
      },
    };
    defaultJob(job);
    const spec = job.spec as Record<string, any>;
    assert.equal(spec.completions, undefined);
    assert.equal(spec.backoffLimit, 2147483647);
    assert.equal(spec.podReplacementPolicy, "Failed");
    assert.equal(spec.podFailurePolicy.rules[0].onPodConditions[0].status, "True");
  });

  test("generateSelector labels the template both ways and selects on the prefixed controller-uid", () => {
    const job: KubeObject = {
      metadata: { name: "pi", uid: "u-1" },
      spec: { manualSelector: false, template: {} },
    };
    generateSelector(job);
    const spec = job.spec as Record<string, any>;
    assert.deepEqual(spec.template.metadata.labels, {
      "job-name": "pi",
      "batch.kubernetes.io/job-name": "pi",
      "controller-uid": "u-1",
      "batch.kubernetes.io/controller-uid": "u-1",
    });
    assert.deepEqual(spec.selector, { matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } });
    assert.deepEqual(
      validateJob(job).filter((c) => !c.field.startsWith("spec.template.spec")),
      [],
    );
  });

  test("manualSelector keeps the user's selector and labels", () => {
    const job: KubeObject = {
      metadata: { name: "pi", uid: "u-1" },
      spec: {
        manualSelector: true,
        selector: { matchLabels: { a: "b" } },
        template: { metadata: { labels: { a: "b" } } },
      },
    };
    generateSelector(job);
    assert.deepEqual((job.spec as any).template.metadata.labels, { a: "b" });
    assert.deepEqual((job.spec as any).selector, { matchLabels: { a: "b" } });
  });
});

describe("ValidateJob", () => {
  test("a valid Job, generated or manual selector", () => {
    assert.deepEqual(validateJob(validJob()), []);
    const manual = validJob({
      manualSelector: true,
      selector: { matchLabels: { a: "b" } },
      template: podTemplate({ a: "b" }),
    });
    assert.deepEqual(validateJob(manual), []);
    assert.deepEqual(validateJob(validJob({ template: podTemplate(undefined, "Never") })), []);
  });

  const errorCases: Record<string, Record<string, unknown>> = {
    "spec.parallelism:must be greater than or equal to 0": { parallelism: -1 },
    "spec.completions:must be greater than or equal to 0": { completions: -1 },
    "spec.activeDeadlineSeconds:must be greater than or equal to 0": { activeDeadlineSeconds: -1 },
    "spec.backoffLimit:must be greater than or equal to 0": { backoffLimit: -1 },
    "spec.ttlSecondsAfterFinished:must be greater than or equal to 0": { ttlSecondsAfterFinished: -1 },
    "spec.selector:Required value": { selector: undefined },
    'spec.template.spec.restartPolicy:Required value: valid values: "OnFailure", "Never"': {
      template: podTemplate(undefined, "Always"),
    },
    'spec.template.spec.restartPolicy:Unsupported value: "Invalid"': {
      template: podTemplate(undefined, "Invalid"),
    },
    "spec.template.metadata.labels[controller-uid]:Invalid value": {
      template: podTemplate({ ...GENERATED_LABELS, "controller-uid": "other" }),
    },
    "spec.template.metadata.labels[batch.kubernetes.io/job-name]:Required value: must be 'myjob'": {
      template: podTemplate({
        "controller-uid": UID,
        "job-name": "myjob",
        "batch.kubernetes.io/controller-uid": UID,
      }),
    },
    "spec.completions:Required value: when completion mode is Indexed": { completionMode: "Indexed" },
    'spec.completionMode:Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"': {
      completionMode: "Sometimes",
    },
    "spec.backoffLimitPerIndex:Invalid value: 1: requires indexed completion mode": {
      backoffLimitPerIndex: 1,
    },
    "spec.backoffLimitPerIndex:Required value: when maxFailedIndexes is specified": {
      completionMode: "Indexed",
      completions: 2,
      maxFailedIndexes: 1,
    },
    'spec.podReplacementPolicy:Unsupported value: "Sometimes"': { podReplacementPolicy: "Sometimes" },
    "spec.successPolicy:Invalid value: batch.SuccessPolicy{…}: requires indexed completion mode": {
      successPolicy: { rules: [{ succeededCount: 1 }] },
    },
    "spec.successPolicy.rules:Required value: at least one rules must be specified when the successPolicy is specified":
      { completionMode: "Indexed", completions: 2, successPolicy: { rules: [] } },
    "spec.successPolicy.rules[0]:Required value: at least one of succeededCount or succeededIndexes must be specified":
      { completionMode: "Indexed", completions: 2, successPolicy: { rules: [{}] } },
    "spec.successPolicy.rules[0].succeededCount:Invalid value: 3: must be less than or equal to 2 (the number of specified completions)":
      { completionMode: "Indexed", completions: 2, successPolicy: { rules: [{ succeededCount: 3 }] } },
    "spec.successPolicy.rules[0].succeededCount:Invalid value: 2: must be less than or equal to 1 (the number of indexes in the specified succeededIndexes field)":
      {
        completionMode: "Indexed",
        completions: 4,
        successPolicy: { rules: [{ succeededIndexes: "3", succeededCount: 2 }] },
      },
  };
  for (const [key, spec] of Object.entries(errorCases)) {
    test(key, () => {
      const job = validJob(spec);
      for (const [k, v] of Object.entries(spec))
        if (v === undefined) delete (job.spec as Record<string, unknown>)[k];
      expectFirst(validateJob(job), key);
    });
  }

  test("the selector must select the template's labels (manual selector)", () => {
    const job = validJob({
      manualSelector: true,
      selector: { matchLabels: { a: "b" } },
      template: podTemplate({ a: "c" }),
    });
    assert.deepEqual(validateJob(job), [
      {
        field: "spec.template.metadata.labels",
        message: 'Invalid value: map[string]string{"a":"c"}: `selector` does not match template `labels`',
        type: "FieldValueInvalid",
      },
    ]);
  });

  test("a generated selector that does not select the generated labels", () => {
    const job = validJob({ selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "wrong" } } });
    const fields = validateJob(job).map((c) => `${c.field}: ${c.message}`);
    assert.ok(
      fields.some(
        (f) =>
          f.startsWith("spec.selector: Invalid value: v1.LabelSelector{") &&
          f.endsWith("`selector` not auto-generated"),
      ),
      fields.join("\n"),
    );
  });

  test("an Indexed Job's largest hostname must be a DNS label", () => {
    const name = "x".repeat(62);
    const job = validJob({ completionMode: "Indexed", completions: 10, parallelism: 1 }, name);
    expectFirst(
      validateJob(job),
      `metadata.name:will not able to create pod with invalid DNS label: ${name}-9`,
    );
  });
});

describe("ValidateJobUpdate", () => {
  // As defaulting leaves them: completions and parallelism set.
  const old = stored(validJob({ completions: 1, parallelism: 1 }));
  const update = (spec: Record<string, unknown>) =>
    validateJob(validJob({ completions: 1, parallelism: 1, ...spec }), old);

  test("immutable fields", () => {
    expectFirst(update({ completions: 2 }), "spec.completions:Invalid value: 2: field is immutable");
    expectFirst(
      update({ completionMode: "Indexed", completions: 1 }),
      "spec.completionMode:field is immutable",
    );
    expectFirst(update({ template: podTemplate(undefined, "Never") }), "spec.template:field is immutable");
    const selector = update({
      manualSelector: true,
      selector: { matchLabels: { "job-name": "myjob" } },
    }).find((c) => c.field === "spec.selector");
    assert.equal(
      selector?.message,
      'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"job-name":"myjob"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
    assert.deepEqual(
      update({ parallelism: 5, activeDeadlineSeconds: 10 }),
      [],
      "parallelism and deadlines may change",
    );
  });

  test("a suspended Job that never started may change its template's scheduling directives", () => {
    const suspended = stored(validJob({ suspend: true }));
    const template = podTemplate();
    (template.spec as Record<string, unknown>).nodeSelector = { disk: "ssd" };
    assert.deepEqual(validateJob(validJob({ suspend: true, template }), suspended), []);
    const started = stored({ ...validJob({ suspend: true }), status: { startTime: "2025-01-01T00:00:00Z" } });
    expectFirst(
      validateJob(validJob({ suspend: true, template }), started),
      "spec.template:field is immutable",
    );
  });

  test("status writes cannot undo a terminal condition or decrease counters", () => {
    const finished = stored({
      ...validJob(),
      status: {
        failed: 2,
        conditions: [{ type: "Failed", status: "True" }],
      },
    });
    const next = { ...validJob(), status: { failed: 1, conditions: [] } };
    const messages = validateJob(next, finished).map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(messages, [
      "status.conditions: Invalid value: cannot disable the terminal Failed=True condition",
      "status.failed: Invalid value: 1: cannot decrease the failed counter",
    ]);
  });
});

describe("ValidateJobUpdateStatus with the JobManagedBy options (strategy_test.go TestStatusStrategy_ValidateUpdate)", () => {
  const T0 = "2025-01-01T00:00:00Z";
  const T1 = "2025-01-01T00:01:00Z";
  const cond = (type: string, status = "True") => ({ type, status });
  const indexed = { completionMode: "Indexed", completions: 5, parallelism: 5 };
  const perIndex = { ...indexed, backoffLimitPerIndex: 1 };
  const cases: {
    name: string;
    spec?: Record<string, unknown>;
    old: Record<string, unknown>;
    next: Record<string, unknown>;
    want: string[];
  }[] = [
    {
      name: "a normal progress update",
      old: { active: 1 },
      next: { active: 1, succeeded: 1, ready: 1 },
      want: [],
    },
    {
      name: "negative counters",
      old: {},
      next: { active: -1, ready: -1, terminating: -2 },
      want: [
        "status.active: Invalid value: -1: must be greater than or equal to 0",
        "status.ready: Invalid value: -1: must be greater than or equal to 0",
        "status.terminating: Invalid value: -2: must be greater than or equal to 0",
      ],
    },
    {
      name: "uncountedTerminatedPods: empty and duplicate UIDs",
      old: {},
      next: { uncountedTerminatedPods: { succeeded: ["a", ""], failed: ["a"] } },
      want: [
        'status.uncountedTerminatedPods.succeeded[1]: Invalid value: "": must not be empty',
        'status.uncountedTerminatedPods.failed[0]: Duplicate value: "a"',
      ],
    },
    {
      name: "Complete and Failed together",
      old: { startTime: T0 },
      next: {
        startTime: T0,
        completionTime: T1,
        conditions: [cond("Complete"), cond("Failed"), cond("FailureTarget")],
      },
      want: [
        "status.conditions: Invalid value: cannot set Complete=True and Failed=true conditions",
        "status.conditions: Invalid value: cannot set Complete=True and FailureTarget=true conditions",
      ],
    },
    {
      name: "completionTime without Complete, and before startTime",
      old: { startTime: T1 },
      next: { startTime: T1, completionTime: T0 },
      want: [
        'status.completionTime: Invalid value: "2025-01-01T00:00:00Z": cannot set completionTime when there is no Complete=True condition',
        'status.completionTime: Invalid value: "2025-01-01T00:00:00Z": completionTime cannot be set before startTime',
      ],
    },
    {
      name: "a finished Job with active pods, no startTime and uncounted pods",
      old: { active: 1, uncountedTerminatedPods: { failed: ["x"] } },
      next: {
        active: 1,
        failed: 1,
        uncountedTerminatedPods: { failed: ["x"] },
        conditions: [cond("FailureTarget"), cond("Failed")],
      },
      want: [
        "status.active: Invalid value: 1: active>0 is invalid for finished job",
        "status.startTime: Required value: startTime is required for finished job",
        'status.uncountedTerminatedPods: Invalid value: {"failed":["x"]}: uncountedTerminatedPods needs to be empty for finished job',
      ],
    },
    {
      name: "checks on fields that did not change are skipped",
      old: { active: 1, conditions: [cond("FailureTarget"), cond("Failed")] },
      next: { active: 1, failed: 1, conditions: [cond("FailureTarget"), cond("Failed")] },
      want: [],
    },
    {
      name: "completedIndexes that do not parse, or on a NonIndexed Job",
      spec: { completions: 5, parallelism: 5 },
      old: {},
      next: { completedIndexes: "1,3-2" },
      want: [
        'status.completedIndexes: Invalid value: "1,3-2": error parsing completedIndexes: non-increasing order, previous: 3, current: 2',
        'status.completedIndexes: Invalid value: "1,3-2": cannot set non-empty completedIndexes when non-indexed completion mode',
      ],
    },
    {
      name: "an index beyond completions",
      spec: indexed,
      old: {},
      next: { completedIndexes: "0,7" },
      want: [
        'status.completedIndexes: Invalid value: "0,7": error parsing completedIndexes: too large index: "7"',
      ],
    },
    {
      name: "failedIndexes without backoffLimitPerIndex",
      spec: indexed,
      old: {},
      next: { failedIndexes: "1" },
      want: [
        'status.failedIndexes: Invalid value: "1": cannot set non-null failedIndexes when backoffLimitPerIndex is null',
      ],
    },
    {
      name: "failedIndexes overlapping completedIndexes",
      spec: perIndex,
      old: {},
      next: { completedIndexes: "0-2", failedIndexes: "2-3" },
      want: [
        'status.failedIndexes: Invalid value: "2-3": failedIndexes and completedIndexes overlap at index: 2',
      ],
    },
    {
      name: "a terminal condition may not be dropped, nor counters decrease",
      old: {
        startTime: T0,
        completionTime: T1,
        succeeded: 2,
        failed: 1,
        conditions: [cond("SuccessCriteriaMet"), cond("Complete")],
      },
      next: { startTime: T0, completionTime: T1, succeeded: 1, failed: 0, conditions: [] },
      want: [
        'status.completionTime: Invalid value: "2025-01-01T00:01:00Z": cannot set completionTime when there is no Complete=True condition',
        "status.conditions: Invalid value: cannot disable the terminal Complete=True condition",
        "status.failed: Invalid value: 0: cannot decrease the failed counter",
        "status.succeeded: Invalid value: 1: cannot decrease the succeeded counter",
        "status.conditions: Invalid value: cannot disable the SuccessCriteriaMet=True condition",
      ],
    },
    {
      name: "an elastic Indexed Job (completions = parallelism) may lower succeeded",
      spec: indexed,
      old: { succeeded: 3, completedIndexes: "0-2" },
      next: { succeeded: 2, completedIndexes: "0-1" },
      want: [],
    },
    {
      name: "completionTime may not change, startTime may not be removed while unsuspended",
      old: { startTime: T0, completionTime: T1, conditions: [cond("SuccessCriteriaMet"), cond("Complete")] },
      next: {
        completionTime: "2025-01-01T00:02:00Z",
        conditions: [cond("SuccessCriteriaMet"), cond("Complete")],
      },
      want: [
        "status.startTime: Required value: startTime is required for finished job",
        'status.completionTime: Invalid value: "2025-01-01T00:02:00Z": completionTime cannot be mutated',
        "status.startTime: Required value: startTime cannot be removed for unsuspended job",
      ],
    },
    {
      name: "SuccessCriteriaMet with Failed, or after Complete",
      old: { startTime: T0, completionTime: T1, conditions: [cond("Complete")] },
      next: { startTime: T0, completionTime: T1, conditions: [cond("Complete"), cond("SuccessCriteriaMet")] },
      want: [
        "status.conditions: Invalid value: cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions",
      ],
    },
    {
      name: "Complete=True under a successPolicy needs SuccessCriteriaMet",
      spec: { ...indexed, successPolicy: { rules: [{ succeededCount: 1 }] } },
      old: { startTime: T0 },
      next: { startTime: T0, completionTime: T1, conditions: [cond("Complete")] },
      want: [
        "status.conditions: Invalid value: cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True",
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const old = stored({ ...validJob(c.spec), status: c.old });
      const next = { ...validJob(c.spec), status: c.next };
      assert.deepEqual(
        validateJob(next, old).map((e) => `${e.field}: ${e.message}`),
        c.want,
      );
    });
  }
});

describe("ValidateCronJobCreate (validation_test.go TestValidateCronJob)", () => {
  const template = podTemplate({});
  const valid = (spec: Record<string, unknown> = {}, name = "mycronjob"): KubeObject => ({
    metadata: { name, namespace: "default", uid: UID },
    spec: { schedule: "* * * * ?", concurrencyPolicy: "Allow", jobTemplate: { spec: { template } }, ...spec },
  });

  for (const [k, spec] of Object.entries({
    "basic scheduled job": {},
    "non-standard scheduled": { schedule: "@hourly" },
    "correct timeZone value": { schedule: "0 * * * *", timeZone: "America/New_York" },
  }))
    test(`valid: ${k}`, () => {
      assert.deepEqual(validateCronJob(valid(spec)), []);
      assert.deepEqual(validateCronJob(valid(spec), stored(valid(spec))), [], "a no-op update too");
    });

  const errorCases: [string, Record<string, unknown>, string?][] = [
    ["spec.schedule: Invalid value", { schedule: "error" }],
    ["spec.schedule: Required value", { schedule: "" }],
    ["spec.timeZone: timeZone must be nil or non-empty string", { schedule: "0 * * * *", timeZone: "" }],
    [
      "spec.timeZone: timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
      { schedule: "0 * * * *", timeZone: "Local" },
    ],
    ["spec.timeZone: Invalid value", { schedule: "0 * * * *", timeZone: " Continent/Zone" }],
    ["spec.timeZone: Invalid value", { schedule: "0 * * * *", timeZone: "Continent/InvalidZone" }],
    ["spec.timeZone: Invalid value", { schedule: "0 * * * *", timeZone: " " }],
    ["spec.timeZone: Invalid value", { schedule: "0 * * * *", timeZone: "Continent/Zone " }],
    ["spec.startingDeadlineSeconds:must be greater than or equal to 0", { startingDeadlineSeconds: -1 }],
    [
      "spec.successfulJobsHistoryLimit: must be greater than or equal to 0",
      { successfulJobsHistoryLimit: -1 },
    ],
    ["spec.failedJobsHistoryLimit: must be greater than or equal to 0", { failedJobsHistoryLimit: -1 }],
    ["spec.concurrencyPolicy: Required value", { concurrencyPolicy: "" }],
    [
      "spec.jobTemplate.spec.parallelism:must be greater than or equal to 0",
      { jobTemplate: { spec: { parallelism: -1, template } } },
    ],
    [
      "spec.jobTemplate.spec.completions:must be greater than or equal to 0",
      { jobTemplate: { spec: { completions: -1, template } } },
    ],
    [
      "spec.jobTemplate.spec.activeDeadlineSeconds:must be greater than or equal to 0",
      { jobTemplate: { spec: { activeDeadlineSeconds: -1, template } } },
    ],
    [
      "spec.jobTemplate.spec.selector: Invalid value",
      { jobTemplate: { spec: { selector: { matchLabels: { a: "b" } }, template } } },
    ],
    [
      "metadata.name: must be no more than 52 characters",
      {},
      "10000000002000000000300000000040000000005000000000123",
    ],
    [
      "spec.jobTemplate.spec.manualSelector: Unsupported value",
      { jobTemplate: { spec: { manualSelector: true, template } } },
    ],
    [
      "spec.jobTemplate.spec.template.spec.restartPolicy: Required value",
      { jobTemplate: { spec: { template: podTemplate({}, "Always") } } },
    ],
    [
      "spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value",
      { jobTemplate: { spec: { template: podTemplate({}, "Invalid") } } },
    ],
    [
      "spec.jobTemplate.spec.ttlSecondsAfterFinished:must be greater than or equal to 0",
      { jobTemplate: { spec: { ttlSecondsAfterFinished: -1, template } } },
    ],
  ];
  for (const [key, spec, name] of errorCases) {
    test(`${key}${name ? "" : ` (${JSON.stringify(spec).slice(0, 60)})`}`, () => {
      const cj = valid(spec, name);
      const errs = validateCronJob(cj);
      expectFirst(errs, key);
      // Update validation fails the same way, except for the name length (kept for older CronJobs).
      const old = stored(valid({ ...spec, timeZone: undefined }, name));
      const updateErrs = validateCronJob(valid(spec, name), old);
      if (key.startsWith("metadata.name")) assert.deepEqual(updateErrs, []);
      else assert.ok(updateErrs.length > 0, `update of ${key}`);
    });
  }

  test("schedule errors carry robfig/cron's text", () => {
    const message = (schedule: string) =>
      validateCronJob(valid({ schedule })).find((c) => c.field === "spec.schedule")?.message;
    assert.equal(message("error"), 'Invalid value: "error": expected exactly 5 fields, found 1: [error]');
    assert.equal(
      message("61 * * * *"),
      'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    );
    assert.equal(message("* * * * 7"), 'Invalid value: "* * * * 7": end of range (7) above maximum (6): 7');
    assert.equal(
      message("*/x * * * *"),
      'Invalid value: "*/x * * * *": failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax',
    );
    assert.equal(
      message("5-1 * * * *"),
      'Invalid value: "5-1 * * * *": beginning of range (5) beyond end of range (1): 5-1',
    );
    assert.equal(
      message("*/0 * * * *"),
      'Invalid value: "*/0 * * * *": step of range should be a positive number: */0',
    );
    assert.equal(message("1-2-3 * * * *"), 'Invalid value: "1-2-3 * * * *": too many hyphens: 1-2-3');
    assert.equal(
      message("@fortnightly"),
      'Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly',
    );
    assert.equal(
      message("* * 0 * *"),
      'Invalid value: "* * 0 * *": beginning of range (0) below minimum (1): 0',
    );
    assert.equal(message("0 0 * JAN-MAR MON-FRI"), undefined, "names are accepted");
    assert.equal(message("@every 1h30m"), undefined);
  });

  test("TZ in the schedule (validation_test.go TestValidateCronJobScheduleTZ)", () => {
    const errs = validateCronJob(valid({ schedule: "TZ=UTC 0 * * * *" }));
    assert.deepEqual(
      errs.map((c) => `${c.field}: ${c.message}`),
      [
        'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ],
    );
    // An older CronJob whose schedule already had TZ keeps it on update, but not together with timeZone.
    const old = stored(valid({ schedule: "TZ=UTC 0 * * * *" }));
    assert.deepEqual(validateCronJob(valid({ schedule: "TZ=UTC 0 * * * *" }), old), []);
    assert.deepEqual(
      validateCronJob(valid({ schedule: "TZ=UTC 0 * * * *", timeZone: "UTC" }), old).map((c) => c.message),
      ['Invalid value: "TZ=UTC 0 * * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule'],
    );
  });

  test("SetDefaults_CronJob", () => {
    const cj: KubeObject = {
      spec: { schedule: "* * * * *", jobTemplate: { spec: { template: podTemplate({}, "Never") } } },
    };
    defaultCronJob(cj);
    const spec = cj.spec as Record<string, unknown>;
    assert.equal(spec.concurrencyPolicy, "Allow");
    assert.equal(spec.suspend, false);
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 1);
  });
});

describe("printers", () => {
  const now = Date.parse("2025-01-01T00:10:00Z");
  test("printJob: status, completions and duration", () => {
    const base = {
      metadata: { name: "pi", creationTimestamp: "2025-01-01T00:00:00Z" },
      spec: {
        completions: 3,
        selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u" } },
        template: {
          spec: {
            containers: [
              { name: "a", image: "busybox" },
              { name: "b", image: "nginx" },
            ],
          },
        },
      },
    };
    const cells = JOB_PRINTER.cells(
      {
        ...base,
        status: {
          succeeded: 3,
          startTime: "2025-01-01T00:00:05Z",
          completionTime: "2025-01-01T00:01:35Z",
          conditions: [{ type: "Complete", status: "True" }],
        },
      },
      now,
    );
    assert.deepEqual(cells, [
      "pi",
      "Complete",
      "3/3",
      "90s",
      "10m",
      "a,b",
      "busybox,nginx",
      "batch.kubernetes.io/controller-uid=u",
    ]);
    const running = JOB_PRINTER.cells(
      { ...base, spec: { parallelism: 2 }, status: { startTime: "2025-01-01T00:09:00Z" } },
      now,
    );
    assert.deepEqual(running.slice(1, 4), ["Running", "0/1 of 2", "60s"]);
    const suspended = JOB_PRINTER.cells(
      { ...base, status: { conditions: [{ type: "Suspended", status: "True" }] } },
      now,
    );
    assert.deepEqual(suspended.slice(1, 4), ["Suspended", "0/3", ""]);
    assert.deepEqual(
      JOB_PRINTER.columns.map((c) => [c.name, c.priority]),
      [
        ["Name", 0],
        ["Status", 0],
        ["Completions", 0],
        ["Duration", 0],
        ["Age", 0],
        ["Containers", 1],
        ["Images", 1],
        ["Selector", 1],
      ],
    );
  });

  test("printCronJob", () => {
    const cells = cronJob.printer?.cells(
      {
        metadata: { name: "nightly", creationTimestamp: "2025-01-01T00:00:00Z" },
        spec: {
          schedule: "0 3 * * *",
          timeZone: "Europe/Paris",
          suspend: false,
          jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "busybox" }] } } } },
        },
        status: { active: [{ name: "nightly-1" }], lastScheduleTime: "2025-01-01T00:05:00Z" },
      },
      now,
    );
    assert.deepEqual(cells, [
      "nightly",
      "0 3 * * *",
      "Europe/Paris",
      "False",
      1,
      "5m",
      "10m",
      "c",
      "busybox",
      "<none>",
    ]);
  });
});
