// time.Parse(time.RFC3339, …) errors as Go prints them (metav1.Time.UnmarshalJSON returns them as is).
import assert from "node:assert/strict";
import { test } from "node:test";
import { rfc3339Error } from "../../../src/server/registry/go-time.ts";

const LAYOUT = '"2006-01-02T15:04:05Z07:00"';

test("valid RFC 3339 times parse", () => {
  for (const ok of [
    "2024-02-29T23:59:59Z",
    "2024-01-01T00:00:00+02:00",
    "2024-01-01T00:00:00.123456789Z",
    "2024-01-01T00:00:00-24:00",
  ])
    assert.equal(rfc3339Error(ok), undefined, ok);
});

test("each layout element names where parsing stopped", () => {
  assert.equal(
    rfc3339Error("yesterday"),
    `parsing time "yesterday" as ${LAYOUT}: cannot parse "yesterday" as "2006"`,
  );
  assert.equal(rfc3339Error(""), `parsing time "" as ${LAYOUT}: cannot parse "" as "2006"`);
  assert.equal(
    rfc3339Error("2024/01/01"),
    `parsing time "2024/01/01" as ${LAYOUT}: cannot parse "/01/01" as "-"`,
  );
  assert.equal(rfc3339Error("2024-01-01"), `parsing time "2024-01-01" as ${LAYOUT}: cannot parse "" as "T"`);
  assert.equal(
    rfc3339Error("2024-01-01 10:00:00Z"),
    `parsing time "2024-01-01 10:00:00Z" as ${LAYOUT}: cannot parse " 10:00:00Z" as "T"`,
  );
  assert.equal(
    rfc3339Error("2024-01-01T10:00:00"),
    `parsing time "2024-01-01T10:00:00" as ${LAYOUT}: cannot parse "" as "Z07:00"`,
  );
});

test("ranges and trailing text", () => {
  assert.equal(
    rfc3339Error("2024-13-01T00:00:00Z"),
    `parsing time "2024-13-01T00:00:00Z": month out of range`,
  );
  assert.equal(rfc3339Error("2023-02-29T00:00:00Z"), `parsing time "2023-02-29T00:00:00Z": day out of range`);
  assert.equal(
    rfc3339Error("2024-01-01T24:00:00Z"),
    `parsing time "2024-01-01T24:00:00Z": hour out of range`,
  );
  assert.equal(
    rfc3339Error("2024-01-01T00:00:00Zjunk"),
    `parsing time "2024-01-01T00:00:00Zjunk": extra text: "junk"`,
  );
});

test("elements that consume before failing show what is left", () => {
  assert.equal(
    rfc3339Error("2a24-01-01T00:00:00Z"),
    `parsing time "2a24-01-01T00:00:00Z" as ${LAYOUT}: cannot parse "-01-01T00:00:00Z" as "2006"`,
  );
  assert.equal(
    rfc3339Error("2024-01-01T00:00:00x25:00"),
    `parsing time "2024-01-01T00:00:00x25:00": time zone offset hour out of range`,
  );
  assert.equal(
    rfc3339Error("2024-01-01T00:00:00+0a:00"),
    `parsing time "2024-01-01T00:00:00+0a:00" as ${LAYOUT}: cannot parse "" as "Z07:00"`,
  );
  assert.equal(rfc3339Error("2024-01-01T1:00:00Z"), undefined); // one-digit hours are accepted
});
