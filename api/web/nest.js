// A fire (or compound alarm) is built from smoke (and gas) alarms of its building: those are
// shown nested under it, not as rows of their own. Pure (tests/web/test_nest.mjs).

const PARENTS = new Set(["fire", "compound"]);
const PARTS = new Set(["smoke", "gas"]);

// alarms in display order -> [{ alarm, children: [alarm] }] in the same order; a part
// goes under the first parent of its building that names its device.
export function nestAlarms(alarms) {
  const parentOf = new Map();
  for (const parent of alarms.filter((a) => PARENTS.has(a.kind))) {
    for (const part of alarms) {
      if (!PARTS.has(part.kind) || parentOf.has(part.id) || part.building_id !== parent.building_id) continue;
      const device = part.device_id ?? part.device_ids?.[0];
      if ((parent.device_ids || []).includes(device)) parentOf.set(part.id, parent.id);
    }
  }
  const rows = [];
  const byId = new Map();
  for (const alarm of alarms) {
    if (parentOf.has(alarm.id)) continue;
    const row = { alarm, children: [] };
    byId.set(alarm.id, row);
    rows.push(row);
  }
  for (const alarm of alarms) {
    if (parentOf.has(alarm.id)) byId.get(parentOf.get(alarm.id)).children.push(alarm);
  }
  return rows;
}
