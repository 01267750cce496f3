// The devices page: the property manager's (their buildings, the device table with
// filters, a device's detail with its readings, their buildings' tickets) and the duty
// officer's 设备 view (the same table over every building, without the ticket card). The
// API already limits every answer to the token's buildings; nothing is filtered here for safety.
import { openDialog } from "./dialog.js";
import { $, el, localTime, reveal } from "./dom.js";
import { t } from "./i18n.js";
import { fail } from "./notices.js";

export function managerPages({ api, state, tickets, loadBuildings, devices, nav }) {
  let refreshTimer = null;
  let polling = null;
  let loaded = false;

  // The controls, wired once at sign-in.
  function wire() {
    $("building-filter").addEventListener("change", renderDevices);
    for (const chip of document.querySelectorAll(".chip")) {
      chip.addEventListener("click", () => {
        state.setDeviceFilter(chip.dataset.filter);
        for (const other of document.querySelectorAll(".chip")) other.classList.toggle("on", other === chip);
        renderDevices();
      });
    }
    $("manager-tickets-card").hidden = !state.isManager();
    $("buildings-h").dataset.i18n = state.isManager() ? "manager.buildings" : "duty.buildings";
    $("buildings-h").textContent = t($("buildings-h").dataset.i18n);
  }

  async function show() {
    $("manager").hidden = false;
    if (!loaded) {
      await Promise.all([loadDevices(), state.isManager() ? tickets.load() : null]);
      loaded = true;
      // The stream brings alarms, not readings: battery and last-seen change without one.
      polling ||= setInterval(() => loadDevices().then(renderDevices).catch(() => {}), 15000);
    }
    render();
    if (state.isManager()) tickets.render();
    const wanted = nav.get().device;
    if (wanted) await showDevice(wanted, false);
  }

  async function loadDevices() {
    state.setDevices((await api.json("/api/v1/devices?limit=1000")).items);
  }

  function render() {
    const select = $("building-filter");
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, t("filter.every_building")),
      ...state.buildings().map((b) => el("option", { value: b.building_id }, b.name || b.building_id)));
    select.value = chosen;
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
        ...(b.venue_type ? [el("span", { class: "muted", "data-testid": "venue" }, venueText(b)), el("br")] : []),
        `${t("card.devices", { n: b.device_count })} · ${t("card.alarms", { n: b.active_alarms })}`,
        qrButton(b)));
    }
    if (!state.buildings().length) cards.append(el("p", { class: "empty" }, t("device.none_shown")));
  }

  // The lobby's QR code (举报): the public report page of the building, to print and post.
  function qrButton(b) {
    const button = el("button", { type: "button", class: "secondary small", "data-testid": "qr-open" }, t("qr.open"));
    button.addEventListener("click", async () => {
      let url;
      try {
        url = URL.createObjectURL(await (await api.raw(`/api/v1/buildings/${encodeURIComponent(b.building_id)}/qr.svg`)).blob());
      } catch (error) {
        fail(error);
        return;
      }
      const name = b.name || b.building_id;
      openDialog(() => ({
        title: t("qr.title", { name }),
        body: [
          el("p", {}, t("qr.hint")),
          el("img", { src: url, alt: t("qr.title", { name }), class: "qr", "data-testid": "qr-image" }),
          el("p", {}, el("a", { href: url, download: `qr-${b.building_id}.svg`, "data-testid": "qr-download" }, t("qr.download"))),
        ],
      }), { onClose: () => URL.revokeObjectURL(url) });
    });
    return el("div", {}, button);
  }

  function venueText(b) {
    const venue = t(`venue.${b.venue_type}`);
    return b.floors ? `${venue} · ${t("building.floors_n", { n: b.floors })}` : venue;
  }

  function onlineBadge(device) {
    if (!device.last_seen) return el("span", { class: "badge plain" }, t("never"));
    return el("span", { class: `badge ${device.online ? "ok" : "off"}` }, device.online ? t("yes") : t("no"));
  }

  function renderDevices() {
    const body = $("device-table").querySelector("tbody");
    body.replaceChildren();
    const shown = state.shownDevices($("building-filter").value);
    for (const d of shown) {
      const open = el("button", { type: "button", class: "link", "aria-label": t("device.open", { id: d.device_id }) }, d.device_id);
      const tr = el("tr", { "data-testid": "device-row", "data-device": d.device_id },
        el("td", {}, open), el("td", {}, d.location || "-"), el("td", {}, t(`type.${d.device_type}`)),
        el("td", {}, onlineBadge(d)), el("td", {}, state.buildingName(d.building_id)),
        el("td", {}, localTime(d.last_seen)), el("td", {}, d.battery_pct == null ? "-" : `${d.battery_pct}%`),
        el("td", {}, d.rssi == null ? "-" : `${d.rssi} dBm`),
        el("td", {}, d.active_alarms ? el("span", { class: "badge critical" }, String(d.active_alarms)) : "0"));
      if (d.active_alarms) tr.classList.add("in-alarm");
      tr.addEventListener("click", () => showDevice(d.device_id, true));
      body.append(tr);
    }
    if (!shown.length) body.append(el("tr", {}, el("td", { colspan: "9", class: "empty" }, t("device.none_shown"))));
  }

  async function showDevice(id, user) {
    let d;
    try { d = await devices.load(id); } catch (error) { fail(error); return; }
    nav.set({ device: id });
    const box = $("device-detail");
    devices.fill(box, d);
    box.dataset.device = id;
    // On a phone the detail sits below the table: bring it into view.
    if (user) reveal(box);
  }

  // An alarm in their buildings changes the counts and badges: refresh once a burst settles.
  function onAlarm(alarm) {
    if (!state.putAlarm(alarm)) return;
    if (!loaded) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      await Promise.all([loadDevices(), loadBuildings()]).catch(() => {});
      render();
    }, 300);
  }

  function redraw() {
    if ($("manager").hidden) return;
    render();
    const id = $("device-detail").dataset.device;
    if (id) showDevice(id, false);
  }

  return { wire, show, render: redraw, onAlarm, refresh: (alarm) => { if (loaded) onAlarm(alarm); } };
}
