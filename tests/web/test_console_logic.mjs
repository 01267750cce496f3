// The console's pure pieces: error messages, time left, phone links, URL state, fire nesting.
import assert from "node:assert/strict";
import { test } from "node:test";

const stored = new Map([["siteguard.lang", "zh"]]);
globalThis.localStorage = { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => stored.set(k, v) };
const { ApiError, describeError, errorKey } = await import("../../api/web/errors.js");
const { phoneParts, span, timeLeft } = await import("../../api/web/format.js");
const { decodeState, encodeState } = await import("../../api/web/urlstate.js");
const { nestAlarms } = await import("../../api/web/nest.js");

test("statuses map to messages in the page's language, the server's detail kept apart", () => {
  assert.equal(errorKey(409), "error.conflict");
  assert.equal(errorKey(422), "error.invalid");
  assert.equal(errorKey(500), "error.server");
  assert.equal(errorKey(418), "error.unknown");
  const conflict = describeError(new ApiError(409, "alarm A1 (smoke, warning) does not latch"));
  assert.match(conflict.message, /冲突/);
  assert.equal(conflict.detail, "服务器说明：alarm A1 (smoke, warning) does not latch");
  const offline = describeError(new TypeError("Failed to fetch"));
  assert.equal(offline.status, 0);
  assert.match(offline.message, /无法连接服务器/);
  assert.equal(offline.detail, "");
  stored.set("siteguard.lang", "en");
  assert.match(describeError(new ApiError(403, "no")).message, /may not/);
  stored.set("siteguard.lang", "zh");
});

test("time left: days and hours, hours and minutes, then red once overdue", () => {
  const now = Date.parse("2026-11-01T00:00:00Z");
  const due = (ms) => ({ status: "open", due_at: new Date(now + ms).toISOString() });
  assert.deepEqual(timeLeft(due(((2 * 24) + 3) * 3600e3 + 59e3), now), { overdue: false, text: "剩余 2天3小时" });
  assert.deepEqual(timeLeft(due(-(5 * 3600e3 + 12 * 60e3)), now), { overdue: true, text: "已超期 5小时12分" });
  assert.equal(timeLeft(due(30e3), now).text, "剩余 不到1分钟");
  assert.equal(timeLeft({ status: "closed", due_at: "2026-01-01T00:00:00Z" }, now), null);
  stored.set("siteguard.lang", "en");
  assert.equal(timeLeft(due(-90 * 60e3), now).text, "overdue by 1 h 30 min");
  assert.equal(span(7 * 60e3), "7 min");
  stored.set("siteguard.lang", "zh");
});

test("phone numbers in free text become dialable pieces", () => {
  assert.deepEqual(phoneParts("王经理 138-0000-1234 / 022 2345 6789"), [
    { text: "王经理 " }, { text: "138-0000-1234", tel: "13800001234" }, { text: " / " },
    { text: "022 2345 6789", tel: "02223456789" },
  ]);
  assert.deepEqual(phoneParts("3号楼 2单元"), [{ text: "3号楼 2单元" }]);
  assert.deepEqual(phoneParts(null), []);
});

test("URL state: only what is set, in a fixed order, and back", () => {
  const state = { view: "history", alarm: "01J X", ts: "closed", to: true, q: "电动车", hb: "", hf: null };
  const hash = encodeState(state);
  assert.equal(hash, "#view=history&alarm=01J+X&ts=closed&to=true&q=%E7%94%B5%E5%8A%A8%E8%BD%A6");
  assert.deepEqual(decodeState(hash), { view: "history", alarm: "01J X", ts: "closed", to: "true", q: "电动车" });
  assert.equal(encodeState({}), "");
  assert.deepEqual(decodeState("#report=monthly-2026-10"), { view: "reports", report: "monthly-2026-10" });
  assert.deepEqual(decodeState("#junk=1"), {});
});

test("a fire shows the smoke alarms it was built from nested under it", () => {
  const a = (id, kind, building, devices) => ({ id, kind, building_id: building, device_ids: devices,
    device_id: devices.length === 1 && kind !== "fire" ? devices[0] : null });
  const rows = nestAlarms([
    a("F", "fire", "B1", ["s1", "s2"]), a("G", "gas", "B2", ["g1"]),
    a("S1", "smoke", "B1", ["s1"]), a("S2", "smoke", "B1", ["s2"]), a("S3", "smoke", "B1", ["s3"]),
    a("X", "smoke", "B9", ["s1"]),
  ]);
  assert.deepEqual(rows.map((r) => [r.alarm.id, r.children.map((c) => c.id)]),
    [["F", ["S1", "S2"]], ["G", []], ["S3", []], ["X", []]]);
  assert.deepEqual(nestAlarms([a("S1", "smoke", "B1", ["s1"])]).map((r) => r.alarm.id), ["S1"]);
});
