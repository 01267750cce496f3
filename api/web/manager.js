// The property manager's pages (role manager): their buildings, a device table with
// filters, a device's detail with its readings, and their buildings' tickets. The API
// already limits every answer to the token's buildings; nothing is filtered here for safety.
import { $, el, factList, localTime } from "./dom.js";
import { readingChart } from "./chart.js";
import { t } from "./i18n.js";

export function managerPages({ api, state, tickets, loadBuildings }) {
  let refreshTimer = null;

  async function show() {
    $("manager").hidden = false;
    const select = $("building-filter");
    select.replaceChildren(el("option", { value: "" }, t("filter.every_building")));
    for (const b of state.buildings()) select.append(el("option", { value: b.building_id }, b.name || b.building_id));
    select.addEventListener("change", renderDevices);
    for (const chip of document.querySelectorAll(".chip")) {
      chip.addEventListener("click", () => {
        state.setDeviceFilter(chip.dataset.filter);
        for (const other of document.querySelectorAll(".chip")) other.classList.toggle("on", other === chip);
        renderDevices();
      });
    }
    await Promise.all([loadDevices(), tickets.load()]);
    render();
    tickets.render();
    // The stream brings alarms, not readings: battery and last-seen change without one.
    setInterval(() => loadDevices().then(renderDevices), 15000);
  }

  async function loadDevices() {
    state.setDevices((await api.json("/api/v1/devices?limit=1000")).items);
  }

  function render() {
    renderBuildings();
    renderDevices();
  }

  function renderBuildings() {
    const cards = $("building-cards");
    cards.replaceChildren();
    for (const b of state.buildings()) {
      cards.append(el("div", { class: "bcard", "data-testid": "building-card" },
        el("strong", {}, b.name || b.building_id),
        el("span", { class: "muted" }, `${b.community || ""}`), el("br"),
        `${t("card.devices", { n: b.device_count })} · ${t("card.alarms", { n: b.active_alarms })}`));
    }
  }

  function onlineBadge(device) {
    if (!device.last_seen) return el("span", { class: "badge" }, t("never"));
    return el("span", { class: `badge ${device.online ? "ok" : "off"}` }, device.online ? t("yes") : t("no"));
  }

  function renderDevices() {
    const body = $("device-table").querySelector("tbody");
    body.replaceChildren();
    for (const d of state.shownDevices($("building-filter").value)) {
      const tr = el("tr", { "data-testid": "device-row", "data-device": d.device_id },
        el("td", {}, d.device_id), el("td", {}, t(`type.${d.device_type}`)),
        el("td", {}, state.buildingName(d.building_id)), el("td", {}, d.location || "-"),
        el("td", {}, onlineBadge(d)),
        el("td", {}, localTime(d.last_seen)), el("td", {}, d.battery_pct == null ? "-" : `${d.battery_pct}%`),
        el("td", {}, d.rssi == null ? "-" : `${d.rssi} dBm`),
        el("td", {}, d.active_alarms ? el("span", { class: "badge critical" }, String(d.active_alarms)) : "0"));
      if (d.active_alarms) tr.classList.add("in-alarm");
      tr.addEventListener("click", () => showDevice(d.device_id));
      body.append(tr);
    }
  }

  async function showDevice(id) {
    const d = await api.json(`/api/v1/devices/${id}`);
    const box = $("device-detail");
    box.hidden = false;
    box.replaceChildren(
      el("h2", {}, `${d.device_id} · ${t(`type.${d.device_type}`)}`),
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
      d.readings.length ? readingChart(d.readings) : el("p", { class: "muted" }, t("device.no_readings")),
    );
    // On a phone the detail sits below the table: bring it into view.
    if (window.matchMedia("(max-width: 600px)").matches) box.scrollIntoView({ behavior: "smooth" });
  }

  // An alarm in their buildings changes the counts and badges: refresh once a burst settles.
  function onAlarm(alarm) {
    if (!state.putAlarm(alarm)) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      await Promise.all([loadDevices(), loadBuildings()]);
      render();
    }, 300);
  }

  return { show, render, onAlarm };
}
