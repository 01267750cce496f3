// The console's store (api/web/state.js): the merge rules the pages rely on.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createState } from "../../api/web/state.js";

const alarm = (id, fields) => ({
  id, status: "active", severity: "warning", opened_at: "2026-11-01T08:00:00Z",
  updated_at: "2026-11-01T08:00:00Z", acknowledged_at: null, ...fields,
});

test("an older view of an alarm never replaces a newer one; a cleared one leaves", () => {
  const state = createState();
  assert.equal(state.putAlarm(alarm("A", { updated_at: "2026-11-01T08:00:05Z", count: 2 })), true);
  assert.equal(state.putAlarm(alarm("A", { updated_at: "2026-11-01T08:00:01Z", count: 1 })), false);
  assert.equal(state.alarm("A").count, 2);
  assert.equal(state.putAlarm(alarm("A", { updated_at: "2026-11-01T08:00:09Z", status: "cleared" })), true);
  assert.equal(state.alarm("A"), undefined);
  assert.deepEqual(state.activeAlarms(), []);
});

test("active alarms: critical first, then newest; the tone follows unacknowledged criticals", () => {
  const state = createState();
  state.putAlarm(alarm("old-warning", { opened_at: "2026-11-01T08:00:00Z" }));
  state.putAlarm(alarm("new-warning", { opened_at: "2026-11-01T09:00:00Z" }));
  state.putAlarm(alarm("fire", { severity: "critical", opened_at: "2026-11-01T07:00:00Z" }));
  state.putAlarm(alarm("info", { severity: "info", opened_at: "2026-11-01T10:00:00Z" }));
  assert.deepEqual(state.activeAlarms().map((a) => a.id), ["fire", "new-warning", "old-warning", "info"]);
  assert.equal(state.criticalUnacknowledged(), true);
  state.putAlarm(alarm("fire", { severity: "critical", acknowledged_at: "x", updated_at: "2026-11-01T08:01:00Z" }));
  assert.equal(state.criticalUnacknowledged(), false);
});

const ticket = (id, status) => ({ id, status, escalation_level: 0, due_at: `2026-11-0${id.at(-1)}` });

test("a ticket from the stream while the list loads beats the list", async () => {
  const state = createState();
  const open = (x) => x.status !== "closed";
  let answer;
  const loading = state.reloadTickets(() => new Promise((resolve) => { answer = resolve; }), open);
  state.putTicket(ticket("T1", "review")); // moved on while the list was on its way
  state.putTicket(ticket("T2", "closed")); // closed meanwhile: not on the open list
  answer([ticket("T1", "rectifying"), ticket("T2", "review"), ticket("T3", "open")]);
  await loading;
  assert.deepEqual(state.ticketList(false).map((x) => [x.id, x.status]), [["T1", "review"], ["T3", "open"]]);
  state.putTicket(ticket("T1", "closed")); // after the load: an ordinary update
  assert.deepEqual(state.ticketList(false).map((x) => x.id), ["T3"]);
  assert.deepEqual(state.ticketList(true).map((x) => x.id), ["T1"]);
});

test("tickets: most escalated first, then soonest due", () => {
  const state = createState();
  state.putTicket({ id: "a", status: "open", escalation_level: 0, due_at: "2026-11-02" });
  state.putTicket({ id: "b", status: "open", escalation_level: 2, due_at: "2026-11-09" });
  state.putTicket({ id: "c", status: "open", escalation_level: 0, due_at: "2026-11-01" });
  assert.deepEqual(state.ticketList(false).map((x) => x.id), ["b", "c", "a"]);
});

test("the device filters and the building selector", () => {
  const state = createState();
  state.setDevices([
    { device_id: "off", building_id: "B1", online: false, battery_pct: 90, active_alarms: 0 },
    { device_id: "low", building_id: "B1", online: true, battery_pct: 19, active_alarms: 0 },
    { device_id: "ok", building_id: "B2", online: true, battery_pct: 20, active_alarms: 0 },
    { device_id: "loud", building_id: "B2", online: true, battery_pct: null, active_alarms: 1 },
  ]);
  const ids = (building = "") => state.shownDevices(building).map((d) => d.device_id);
  assert.deepEqual(ids(), ["off", "low", "ok", "loud"]);
  assert.deepEqual(ids("B2"), ["ok", "loud"]);
  state.setDeviceFilter("offline");
  assert.deepEqual(ids(), ["off"]);
  state.setDeviceFilter("battery");
  assert.deepEqual(ids(), ["low"]);
  state.setDeviceFilter("alarm");
  assert.deepEqual(ids("B1"), []);
  assert.deepEqual(ids("B2"), ["loud"]);
});

test("a building without a name is shown by its id", () => {
  const state = createState();
  state.setBuildings([{ building_id: "B1", name: "5号楼" }, { building_id: "B2", name: null }]);
  assert.equal(state.buildingName("B1"), "5号楼");
  assert.equal(state.buildingName("B2"), "B2");
  assert.equal(state.buildingName("B9"), "B9");
});
