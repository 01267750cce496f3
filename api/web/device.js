// One device's facts and recent readings (chart.js): the property manager's detail pane,
// and for the duty officer any alarm's device, opened in the dialog.
import { readingChart } from "./chart.js";
import { openDialog } from "./dialog.js";
import { el, factList, localTime } from "./dom.js";
import { t } from "./i18n.js";
import { fail } from "./notices.js";

export function deviceView({ api, state }) {
  const load = (id) => api.json(`/api/v1/devices/${encodeURIComponent(id)}`);

  function parts(d) {
    return [
      factList([
        ["device.building", state.buildingName(d.building_id)], ["device.location", d.location],
        ["device.online", d.online ? t("yes") : t("no")], ["device.last_seen", localTime(d.last_seen)],
        ["device.battery", d.battery_pct == null ? null : `${d.battery_pct}%`],
        ["device.signal", d.rssi == null ? null : `${d.rssi} dBm`],
      ]),
      // Fields the gateway could not read: an alarm may be hiding in them.
      ...(d.unread ? [el("p", { class: "unread", role: "note" }, t("device.unread", {
        fields: d.unread.reason.replace(/^unmapped:/, ""),
        count: d.unread.count_7d,
        last: localTime(d.unread.last_at),
      }))] : []),
      el("h3", {}, t("device.readings")),
      d.readings.length ? readingChart(d.readings) : el("p", { class: "empty" }, t("device.no_readings")),
    ];
  }

  const title = (d) => `${d.device_id} · ${t(`type.${d.device_type}`)}`;

  return {
    load,
    // Into a pane (the manager's page).
    fill(box, d) { box.replaceChildren(el("h2", {}, title(d)), ...parts(d)); },
    // In the dialog (the duty console).
    async open(id) {
      let d;
      try { d = await load(id); } catch (error) { fail(error); return; }
      openDialog(() => ({ title: `${t("device.dialog")} · ${title(d)}`, body: parts(d) }));
    },
  };
}
