// The page's names of kinds and statuses come from the server's one table.
import assert from "node:assert/strict";
import { test } from "node:test";

const stored = new Map();
globalThis.localStorage = {
  getItem: (key) => stored.get(key) ?? null,
  setItem: (key, value) => stored.set(key, value),
};
const { addLabels, loadLabels, t } = await import("../../api/web/i18n.js");

test("labels from the server are shown in the chosen language", () => {
  addLabels({ alarm_kinds: { fire: { zh: "火警确认", en: "Fire confirmed" } }, ticket_statuses: { closed: { zh: "已销号", en: "Closed" } } });
  stored.set("siteguard.lang", "zh");
  assert.equal(t("alarm.kind.fire"), "火警确认");
  assert.equal(t("status.closed"), "已销号");
  stored.set("siteguard.lang", "en");
  assert.equal(t("alarm.kind.fire"), "Fire confirmed");
});

test("a kind the page was not told about shows as its key", () => {
  assert.equal(t("alarm.kind.co_alarm"), "alarm.kind.co_alarm");
});

test("loadLabels asks the labels endpoint and ignores a failed answer", async () => {
  const asked = [];
  await loadLabels(async (url) => { asked.push(url); return { ok: false }; });
  assert.deepEqual(asked, ["/api/v1/labels"]);
  await loadLabels(async () => ({ ok: true, json: async () => ({ severities: { critical: { zh: "严重", en: "Critical" } } }) }));
  stored.set("siteguard.lang", "zh");
  assert.equal(t("severity.critical"), "严重");
});
