// 历史报警: alarms of a period (opened since / until), a building, a kind, cleared or all,
// from GET /api/v1/alarms; a fire's smoke alarms nested under it; the detail beside.
import { renderAlarmList } from "./alarmlist.js";
import { $, el, reveal } from "./dom.js";
import { t } from "./i18n.js";
import { fail } from "./notices.js";

const KINDS = ["fire", "smoke", "gas", "compound", "ebike_hotspot", "ebike_standoff", "device_fault", "tamper",
  "low_battery", "device_offline", "flapping"];

// A datetime-local input's value (local time, minutes) for a moment.
function localInput(ms) {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

export function historyView({ api, state, nav, detail }) {
  let items = [];
  let loaded = false;

  function fill() {
    const f = nav.get();
    $("history-building").replaceChildren(el("option", { value: "" }, t("filter.every_building")),
      ...state.buildings().map((b) => el("option", { value: b.building_id }, b.name || b.building_id)));
    $("history-kind").replaceChildren(el("option", { value: "" }, t("history.every_kind")),
      ...KINDS.map((k) => el("option", { value: k }, t(`alarm.kind.${k}`))));
    $("history-building").value = f.hb || "";
    $("history-kind").value = f.hk || "";
    $("history-status").value = f.hs || "cleared";
    $("history-from").value = f.hf || localInput(Date.now() - 7 * 86400e3);
    $("history-to").value = f.ht || "";
  }

  async function load() {
    const params = new URLSearchParams({ status: $("history-status").value, limit: "500" });
    if ($("history-building").value) params.set("building", $("history-building").value);
    if ($("history-kind").value) params.set("kind", $("history-kind").value);
    const from = $("history-from").value;
    const to = $("history-to").value;
    if (from) params.set("since", new Date(from).toISOString());
    if (to) params.set("until", new Date(to).toISOString());
    try {
      items = (await api.json(`/api/v1/alarms?${params}`)).items
        .sort((a, b) => b.opened_at.localeCompare(a.opened_at));
    } catch (error) {
      fail(error);
      items = [];
    }
    loaded = true;
    render();
  }

  function render() {
    if (!loaded) return;
    $("history-none").hidden = items.length > 0;
    const focused = document.activeElement?.closest?.("#history-list .alarm")?.dataset.id;
    renderAlarmList($("history-list"), items, { state, selected: nav.get().alarm, onSelect: select });
    if (focused) $("history-list").querySelector(`.alarm[data-id="${CSS.escape(focused)}"]`)?.focus();
  }

  async function select(id, { user = false } = {}) {
    nav.set({ alarm: id });
    render();
    let alarm = items.find((a) => a.id === id);
    try {
      alarm ||= await api.json(`/api/v1/alarms/${encodeURIComponent(id)}`);
    } catch (error) {
      fail(error);
      return;
    }
    await detail.render($("history-detail"), alarm);
    if (user) reveal($("history-detail"));
  }

  function wire() {
    $("history-form").addEventListener("submit", (event) => {
      event.preventDefault();
      nav.set({
        hs: $("history-status").value === "cleared" ? "" : $("history-status").value,
        hb: $("history-building").value, hk: $("history-kind").value,
        hf: $("history-from").value, ht: $("history-to").value,
      });
      load();
    });
  }

  async function show() {
    $("history").hidden = false;
    fill();
    await load();
    const wanted = nav.get().alarm;
    if (wanted) await select(wanted);
  }

  function onAlarm(alarm) {
    const at = items.findIndex((a) => a.id === alarm.id);
    if (at >= 0 && items[at].updated_at <= alarm.updated_at) items[at] = alarm;
    if ($("history").hidden) return;
    render();
    if ($("history-detail").dataset.alarm === alarm.id) detail.render($("history-detail"), alarm);
  }

  function redraw() {
    if ($("history").hidden) return;
    const values = ["history-from", "history-to", "history-building", "history-kind", "history-status"].map((id) => $(id).value);
    fill();
    ["history-from", "history-to", "history-building", "history-kind", "history-status"].forEach((id, i) => { $(id).value = values[i]; });
    render();
    const id = $("history-detail").dataset.alarm;
    if (id) select(id);
  }

  return { wire, show, render: redraw, onAlarm, select };
}
