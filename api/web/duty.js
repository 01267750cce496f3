// The duty officer's console (roles duty and admin): the live alarm list, an alarm's detail
// with its building and devices, acknowledge and clear; the ticket list sits below.
import { fail } from "./api.js";
import { $, el, factList, localTime } from "./dom.js";
import { t } from "./i18n.js";
import { alarmTone } from "./tone.js";

export function dutyConsole({ api, state, tickets }) {
  const tone = alarmTone($("sound"));

  async function show() {
    $("duty").hidden = false;
    const alarms = await api.json("/api/v1/alarms?status=active&limit=1000");
    for (const alarm of alarms.items) state.putAlarm(alarm);
    await tickets.load();
    render();
    tickets.render();
    tone.update(state.criticalUnacknowledged());
    $("ticket-status").addEventListener("change", () => tickets.load().then(tickets.render));
  }

  function render() {
    const list = $("alarm-list");
    list.replaceChildren();
    const alarms = state.activeAlarms();
    $("no-alarms").hidden = alarms.length > 0;
    $("alarm-count").textContent = alarms.length ? `(${alarms.length})` : "";
    for (const alarm of alarms) list.append(alarmItem(alarm));
  }

  function alarmItem(alarm) {
    const item = $("t-alarm").content.firstElementChild.cloneNode(true);
    item.dataset.id = alarm.id;
    item.dataset.kind = alarm.kind;
    item.setAttribute("data-testid", `alarm-${alarm.kind}`);
    item.classList.add(alarm.severity);
    if (!alarm.acknowledged_at) item.classList.add("unacked");
    if (state.selectedAlarm === alarm.id) item.classList.add("selected");
    item.querySelector(".kind").textContent = t(`alarm.kind.${alarm.kind}`);
    item.querySelector(".where").textContent = state.buildingName(alarm.building_id);
    item.querySelector(".when").textContent = localTime(alarm.opened_at);
    item.querySelector(".devices").textContent = alarm.device_ids.join(", ");
    item.querySelector(".times").textContent = t("alarm.times", { n: alarm.count });
    const acked = Boolean(alarm.acknowledged_at);
    item.querySelector(".state").append(el("span", { class: `badge ${acked ? "ok" : alarm.severity}` },
      acked ? t("alarm.acked") : t(`severity.${alarm.severity}`)));
    item.addEventListener("click", () => select(alarm.id));
    return item;
  }

  async function select(id) {
    state.selectAlarm(id);
    render();
    renderDetail(state.alarm(id) || (await api.json(`/api/v1/alarms/${id}`)));
  }

  async function renderDetail(alarm) {
    const box = $("alarm-detail");
    const building = state.building(alarm.building_id) || { building_id: alarm.building_id };
    const devices = await Promise.all(
      alarm.device_ids.slice(0, 6).map((d) => api.json(`/api/v1/devices/${d}`).catch(() => null)),
    );
    const status = alarm.status !== "active" ? t("alarm.cleared")
      : alarm.acknowledged_at ? t("alarm.acked") : t("alarm.unacked");
    const deviceList = el("ul", { class: "list" });
    for (const d of devices.filter(Boolean)) {
      deviceList.append(el("li", { class: "ticket" },
        `${d.device_id} · ${t(`type.${d.device_type}`)} · ${d.location || "-"} · ${d.online ? t("yes") : t("no")}` +
        (d.battery_pct == null ? "" : ` · ${d.battery_pct}%`)));
    }
    box.replaceChildren(
      el("h2", {}, `${t(`alarm.kind.${alarm.kind}`)} · ${state.buildingName(alarm.building_id)}`),
      factList([
        ["alarm.status", `${t(`severity.${alarm.severity}`)} · ${status}`],
        ["alarm.opened", localTime(alarm.opened_at)],
        ["alarm.updated", localTime(alarm.updated_at)],
        ["alarm.count", String(alarm.count)],
        ["alarm.peak", alarm.peak == null ? null : `${alarm.peak} %LEL`],
        ["alarm.ticket", alarm.ticket_id],
        ["alarm.verdict", alarm.verdict ? t(`ack.${alarm.verdict}`) : null],
        ["alarm.note", alarm.ack_note],
        ["building.community", building.community],
        ["building.address", building.address],
        ["building.property", building.property_company],
        ["building.contact", building.manager_contact],
      ]),
      el("h3", {}, t("alarm.devices")),
      deviceList,
    );
    if (alarm.status === "active") box.append(actionsFor(alarm));
  }

  function actionsFor(alarm) {
    const actions = el("form", { class: "actions", "data-testid": "ack-form" });
    if (!alarm.acknowledged_at) {
      const verdict = el("select", { name: "verdict", "data-testid": "verdict" });
      for (const v of ["real", "false_alarm", "test"]) verdict.append(el("option", { value: v }, t(`ack.${v}`)));
      const note = el("textarea", { name: "note", placeholder: t("ack.note"), "data-testid": "ack-note" });
      const button = el("button", { type: "submit", "data-testid": "ack" }, t("ack.go"));
      actions.append(el("strong", {}, t("ack.title")), verdict, note, button);
      actions.addEventListener("submit", async (event) => {
        event.preventDefault();
        button.disabled = true;
        try {
          changed(await api.json(`/api/v1/alarms/${alarm.id}/ack`, {
            method: "POST", body: { verdict: verdict.value, note: note.value || null },
          }));
        } catch (error) { fail(error); button.disabled = false; }
      });
    } else {
      actions.append(el("span", { class: "badge ok", "data-testid": "acked" }, t("ack.done")));
    }
    if (alarm.latched) {
      // A latched alarm (fire, gas) stays until a person clears it, with a reason.
      const clear = el("button", { type: "button", class: "danger", "data-testid": "clear" }, t("clear.go"));
      clear.addEventListener("click", async () => {
        const note = window.prompt(t("clear.note"), "");
        if (note === null) return;
        try {
          changed(await api.json(`/api/v1/alarms/${alarm.id}/clear`, { method: "POST", body: { note } }));
        } catch (error) { fail(error); }
      });
      actions.append(clear);
    }
    return actions;
  }

  // Our own acknowledge or clear: shown at once, not only when the stream echoes it.
  function changed(alarm) {
    onAlarm(alarm);
    renderDetail(alarm);
  }

  // A changed alarm, from the stream or our own action; an older view of it is dropped.
  function onAlarm(alarm) {
    if (!state.putAlarm(alarm)) return;
    render();
    if (state.selectedAlarm === alarm.id) renderDetail(alarm);
    tone.update(state.criticalUnacknowledged());
  }

  return { show, render, onAlarm, enableSound: () => tone.enable() };
}
