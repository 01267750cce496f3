// SiteGuard's web pages: sign-in, the duty officer's console, the property managers' pages.
// Plain JavaScript, no build step; every piece of data comes from the API with the token.
"use strict";

const state = {
  token: sessionStorage.getItem("siteguard.token"),
  me: null,
  buildings: new Map(),
  alarms: new Map(), // active alarms by id
  tickets: new Map(),
  ticketsArriving: null, // tickets from the stream while the list loads
  devices: [],
  selected: null,
  lastEventId: null,
  stream: null,
  filter: "",
};

const $ = (id) => document.getElementById(id);
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };

// ---- the API ---------------------------------------------------------------------------

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${state.token}`, ...(options.headers || {}) };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    ...options,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 401) {
    if (state.me) signOut(); // the token was revoked while signed in
    throw new Error(t("signin.bad"));
  }
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error((body && body.detail) || response.statusText);
  return body;
}

function fail(error) {
  window.alert(t("error.generic", { msg: error.message }));
}

// ---- sign-in ---------------------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  try {
    state.me = await api("/api/v1/me");
  } catch (error) {
    state.token = null;
    sessionStorage.removeItem("siteguard.token");
    throw error;
  }
  sessionStorage.setItem("siteguard.token", token);
  $("signin").hidden = true;
  $("signout").hidden = false;
  $("who").hidden = false;
  $("who").textContent = `${state.me.name} · ${t(`role.${state.me.role}`)}`;
  await loadBuildings();
  // Listen first, then load: a change between the two is not missed.
  connectStream();
  $("reports-open").hidden = false;
  if (state.me.role === "manager") await showManager();
  else await showDuty();
  const linked = location.hash.match(/^#report=(.+)$/);
  if (linked) await openReports(decodeURIComponent(linked[1]));
}

function signOut() {
  sessionStorage.removeItem("siteguard.token");
  state.token = null;
  if (state.stream) state.stream.abort();
  location.reload();
}

async function loadBuildings() {
  const page = await api("/api/v1/buildings?limit=1000");
  state.buildings = new Map(page.items.map((b) => [b.building_id, b]));
}

function buildingName(id) {
  const b = state.buildings.get(id);
  return b && b.name ? `${b.name}` : id;
}

// ---- the event stream ------------------------------------------------------------------
// fetch() rather than EventSource: the stream needs the Authorization header.

function connectStream(delay = 1000) {
  const controller = new AbortController();
  state.stream = controller;
  const headers = { Authorization: `Bearer ${state.token}` };
  if (state.lastEventId) headers["Last-Event-ID"] = state.lastEventId;
  fetch("/api/v1/stream", { headers, signal: controller.signal })
    .then(async (response) => {
      if (response.status === 401) {
        if (state.me) signOut(); // revoked or expired: signing in again is the way back
        return;
      }
      if (!response.ok) throw new Error(response.statusText);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      delay = 1000;
      $("live").hidden = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          handleEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    })
    .catch(() => {})
    .finally(() => {
      $("live").hidden = true;
      if (!controller.signal.aborted && state.token) {
        setTimeout(() => connectStream(Math.min(delay * 2, 30000)), delay);
      }
    });
}

function handleEvent(block) {
  let id = null, event = null, data = null;
  for (const line of block.split("\n")) {
    if (line.startsWith("id: ")) id = line.slice(4);
    else if (line.startsWith("event: ")) event = line.slice(7);
    else if (line.startsWith("data: ")) data = JSON.parse(line.slice(6));
  }
  if (!data) return;
  if (event === "ended") {
    if (state.me) signOut(); // the server ended it: the token no longer holds
    return;
  }
  if (id) state.lastEventId = id;
  if (event === "alarm") onAlarm(data);
  else if (event === "ticket") onTicket(data);
}

function onAlarm(alarm) {
  const known = state.alarms.get(alarm.id);
  if (known && known.updated_at > alarm.updated_at) return; // an older view of it
  if (alarm.status === "active") state.alarms.set(alarm.id, alarm);
  else state.alarms.delete(alarm.id);
  if (state.me.role === "manager") scheduleDeviceRefresh();
  else {
    renderAlarms();
    if (state.selected === alarm.id) renderDetail(alarm);
    updateTone();
  }
}

function onTicket(ticket) {
  if (state.ticketsArriving) state.ticketsArriving.set(ticket.id, ticket);
  state.tickets.set(ticket.id, ticket);
  renderTickets();
}

// ---- the duty console ------------------------------------------------------------------

async function showDuty() {
  $("duty").hidden = false;
  const alarms = await api("/api/v1/alarms?status=active&limit=1000");
  for (const alarm of alarms.items) {
    const known = state.alarms.get(alarm.id);
    if (!known || known.updated_at <= alarm.updated_at) state.alarms.set(alarm.id, alarm);
  }
  await loadTickets();
  renderAlarms();
  renderTickets();
  updateTone();
  $("ticket-status").addEventListener("change", () => loadTickets().then(renderTickets));
}

function sortedAlarms() {
  return [...state.alarms.values()].sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.opened_at.localeCompare(a.opened_at),
  );
}

function renderAlarms() {
  const list = $("alarm-list");
  list.replaceChildren();
  const alarms = sortedAlarms();
  $("no-alarms").hidden = alarms.length > 0;
  $("alarm-count").textContent = alarms.length ? `(${alarms.length})` : "";
  for (const alarm of alarms) {
    const item = $("t-alarm").content.firstElementChild.cloneNode(true);
    item.dataset.id = alarm.id;
    item.dataset.kind = alarm.kind;
    item.setAttribute("data-testid", `alarm-${alarm.kind}`);
    item.classList.add(alarm.severity);
    if (!alarm.acknowledged_at) item.classList.add("unacked");
    if (state.selected === alarm.id) item.classList.add("selected");
    item.querySelector(".kind").textContent = t(`alarm.kind.${alarm.kind}`);
    item.querySelector(".where").textContent = buildingName(alarm.building_id);
    item.querySelector(".when").textContent = localTime(alarm.opened_at);
    item.querySelector(".devices").textContent = alarm.device_ids.join(", ");
    item.querySelector(".times").textContent = t("alarm.times", { n: alarm.count });
    const badge = document.createElement("span");
    badge.className = `badge ${alarm.acknowledged_at ? "ok" : alarm.severity}`;
    badge.textContent = alarm.acknowledged_at ? t("alarm.acked") : t(`severity.${alarm.severity}`);
    item.querySelector(".state").append(badge);
    item.addEventListener("click", () => select(alarm.id));
    list.append(item);
  }
}

async function select(id) {
  state.selected = id;
  renderAlarms();
  const alarm = state.alarms.get(id) || (await api(`/api/v1/alarms/${id}`));
  renderDetail(alarm);
}

async function renderDetail(alarm) {
  const box = $("alarm-detail");
  const building = state.buildings.get(alarm.building_id) || { building_id: alarm.building_id };
  const devices = await Promise.all(
    alarm.device_ids.slice(0, 6).map((d) => api(`/api/v1/devices/${d}`).catch(() => null)),
  );
  box.replaceChildren();
  const h = el("h2", {}, `${t(`alarm.kind.${alarm.kind}`)} · ${buildingName(alarm.building_id)}`);
  const facts = factList([
    ["alarm.status", `${t(`severity.${alarm.severity}`)} · ${alarm.status === "active" ? (alarm.acknowledged_at ? t("alarm.acked") : t("alarm.unacked")) : t("alarm.cleared")}`],
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
  ]);
  const deviceList = el("ul", { class: "list" });
  for (const d of devices.filter(Boolean)) {
    deviceList.append(el("li", { class: "ticket" },
      `${d.device_id} · ${t(`type.${d.device_type}`)} · ${d.location || "-"} · ${d.online ? t("yes") : t("no")}` +
      (d.battery_pct == null ? "" : ` · ${d.battery_pct}%`)));
  }
  box.append(h, facts, el("h3", {}, t("alarm.devices")), deviceList);
  if (alarm.status === "active" && state.me.role !== "manager") box.append(actionsFor(alarm));
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
        const acked = await api(`/api/v1/alarms/${alarm.id}/ack`, {
          method: "POST", body: { verdict: verdict.value, note: note.value || null },
        });
        onAlarm(acked);
        renderDetail(acked);
      } catch (error) { fail(error); button.disabled = false; }
    });
  } else {
    actions.append(el("span", { class: "badge ok", "data-testid": "acked" }, t("ack.done")));
  }
  if (alarm.latched) {
    const clear = el("button", { type: "button", class: "danger", "data-testid": "clear" }, t("clear.go"));
    clear.addEventListener("click", async () => {
      const note = window.prompt(t("clear.note"), "");
      if (note === null) return;
      try {
        const cleared = await api(`/api/v1/alarms/${alarm.id}/clear`, { method: "POST", body: { note } });
        onAlarm(cleared);
        renderDetail(cleared);
      } catch (error) { fail(error); }
    });
    actions.append(clear);
  }
  return actions;
}

// ---- tickets ---------------------------------------------------------------------------

const MOVES = {
  admin: { open: ["assigned"], assigned: ["rectifying"], rectifying: ["review"], review: ["closed", "rectifying"] },
  duty: { open: ["assigned"], assigned: ["rectifying"], rectifying: ["review"], review: ["closed", "rectifying"] },
  manager: { assigned: ["rectifying"], rectifying: ["review"] },
};

async function loadTickets() {
  const status = state.me.role === "manager" ? "" : $("ticket-status").value;
  const query = status ? `?status=${status}&limit=200` : "?limit=200";
  // Tickets the stream brings while the list is on its way are newer than the list.
  const arrived = new Map();
  state.ticketsArriving = arrived;
  try {
    const page = await api(`/api/v1/tickets${query}`);
    const shown = (x) => (status === "closed" ? x.status === "closed" : x.status !== "closed");
    state.tickets = new Map(page.items.filter(shown).map((x) => [x.id, x]));
    for (const ticket of arrived.values()) {
      if (shown(ticket)) state.tickets.set(ticket.id, ticket);
      else state.tickets.delete(ticket.id);
    }
  } finally {
    if (state.ticketsArriving === arrived) state.ticketsArriving = null;
  }
}

function renderTickets() {
  const list = state.me.role === "manager" ? $("manager-tickets") : $("ticket-list");
  list.replaceChildren();
  const showClosed = state.me.role !== "manager" && $("ticket-status").value === "closed";
  const tickets = [...state.tickets.values()]
    .filter((x) => (showClosed ? x.status === "closed" : x.status !== "closed"))
    .sort((a, b) => b.escalation_level - a.escalation_level || a.due_at.localeCompare(b.due_at));
  if (!tickets.length) list.append(el("li", { class: "muted" }, t("tickets.none")));
  for (const ticket of tickets) {
    const item = el("li", { class: "ticket", "data-testid": `ticket-${ticket.category}` });
    const level = ticket.escalation_level ? ` · ${t("tickets.level")}: ${t(`level.${ticket.escalation_level}`)}` : "";
    item.append(
      el("div", { class: "title" }, ticket.title),
      el("div", { class: "meta" },
        `${t(`status.${ticket.status}`)} · ${t("tickets.responsible")}: ${ticket.responsible} · ` +
        `${t("tickets.due")}: ${localTime(ticket.due_at)}${level}`),
    );
    const row = el("div", { class: "row" });
    for (const to of (MOVES[state.me.role] || {})[ticket.status] || []) {
      const label = ticket.status === "review" && to === "rectifying" ? t("move.reject") : t(`move.${to}`);
      const button = el("button", { type: "button", class: to === "closed" ? "" : "secondary", "data-testid": `move-${to}` }, label);
      button.addEventListener("click", () => move(ticket, to));
      row.append(button);
    }
    item.append(row);
    list.append(item);
  }
}

async function move(ticket, to) {
  const note = window.prompt(to === "closed" ? t("tickets.close_note") : t("tickets.note"), "");
  if (note === null) return;
  try {
    onTicket(await api(`/api/v1/tickets/${ticket.id}/transition`, { method: "POST", body: { to, note: note || null } }));
  } catch (error) { fail(error); }
}

// ---- the alarm tone --------------------------------------------------------------------
// A two-tone beep every few seconds while a critical alarm is unacknowledged. Browsers
// start audio only after a gesture: until then a banner asks for one.

const tone = { context: null, timer: null };

function updateTone() {
  const needed = [...state.alarms.values()].some((a) => a.severity === "critical" && !a.acknowledged_at);
  if (!needed) {
    clearInterval(tone.timer);
    tone.timer = null;
    $("sound").hidden = true;
    return;
  }
  if (!tone.context) tone.context = new (window.AudioContext || window.webkitAudioContext)();
  $("sound").hidden = tone.context.state === "running";
  if (!tone.timer) {
    beep();
    tone.timer = setInterval(beep, 3000);
  }
}

function beep() {
  const ctx = tone.context;
  if (!ctx || ctx.state !== "running") {
    $("sound").hidden = false;
    return;
  }
  for (const [offset, frequency] of [[0, 880], [0.35, 660]]) {
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.2, ctx.currentTime + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + offset + 0.3);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(ctx.currentTime + offset);
    oscillator.stop(ctx.currentTime + offset + 0.3);
  }
}

// ---- the property manager's pages -----------------------------------------------------

let refreshTimer = null;

async function showManager() {
  $("manager").hidden = false;
  const select = $("building-filter");
  select.replaceChildren(el("option", { value: "" }, t("filter.every_building")));
  for (const b of state.buildings.values()) select.append(el("option", { value: b.building_id }, b.name || b.building_id));
  select.addEventListener("change", renderDevices);
  for (const chip of document.querySelectorAll(".chip")) {
    chip.addEventListener("click", () => {
      state.filter = chip.dataset.filter;
      for (const other of document.querySelectorAll(".chip")) other.classList.toggle("on", other === chip);
      renderDevices();
    });
  }
  await Promise.all([loadDevices(), loadTickets()]);
  renderBuildings();
  renderDevices();
  renderTickets();
  setInterval(() => loadDevices().then(renderDevices), 15000);
}

function scheduleDeviceRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    await Promise.all([loadDevices(), loadBuildings()]);
    renderBuildings();
    renderDevices();
  }, 300);
}

async function loadDevices() {
  const page = await api("/api/v1/devices?limit=1000");
  state.devices = page.items;
}

function renderBuildings() {
  const cards = $("building-cards");
  cards.replaceChildren();
  for (const b of state.buildings.values()) {
    cards.append(el("div", { class: "bcard", "data-testid": "building-card" },
      el("strong", {}, b.name || b.building_id),
      el("span", { class: "muted" }, `${b.community || ""}`), el("br"),
      `${t("card.devices", { n: b.device_count })} · ${t("card.alarms", { n: b.active_alarms })}`));
  }
}

function renderDevices() {
  const building = $("building-filter").value;
  const rows = state.devices.filter((d) => {
    if (building && d.building_id !== building) return false;
    if (state.filter === "offline") return !d.online;
    if (state.filter === "battery") return d.battery_pct != null && d.battery_pct < 20;
    if (state.filter === "alarm") return d.active_alarms > 0;
    return true;
  });
  const body = $("device-table").querySelector("tbody");
  body.replaceChildren();
  for (const d of rows) {
    const tr = el("tr", { "data-testid": "device-row", "data-device": d.device_id },
      el("td", {}, d.device_id), el("td", {}, t(`type.${d.device_type}`)),
      el("td", {}, buildingName(d.building_id)), el("td", {}, d.location || "-"),
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
  const d = await api(`/api/v1/devices/${id}`);
  const box = $("device-detail");
  box.hidden = false;
  box.replaceChildren(
    el("h2", {}, `${d.device_id} · ${t(`type.${d.device_type}`)}`),
    factList([
      ["device.building", buildingName(d.building_id)], ["device.location", d.location],
      ["device.online", d.online ? t("yes") : t("no")], ["device.last_seen", localTime(d.last_seen)],
      ["device.battery", d.battery_pct == null ? null : `${d.battery_pct}%`],
      ["device.signal", d.rssi == null ? null : `${d.rssi} dBm`],
    ]),
    ...(d.unread
      ? [el("p", { class: "unread", role: "note" },
          t("device.unread", {
            fields: d.unread.reason.replace(/^unmapped:/, ""),
            count: d.unread.count_7d,
            last: localTime(d.unread.last_at),
          }))]
      : []),
    el("h3", {}, t("device.readings")),
    d.readings.length ? chart(d.readings) : el("p", { class: "muted" }, t("device.no_readings")),
  );
  // On a phone the detail sits below the table: bring it into view.
  if (window.matchMedia("(max-width: 600px)").matches) box.scrollIntoView({ behavior: "smooth" });
}

// A small line chart of the readings (inline SVG): gas level or battery, oldest to newest.
function chart(readings) {
  const field = readings.some((r) => r.lel_pct != null) ? "lel_pct" : "battery_pct";
  const points = readings.filter((r) => r[field] != null).reverse();
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", "0 0 400 180");
  svg.setAttribute("data-testid", "reading-chart");
  const max = Math.max(field === "lel_pct" ? 60 : 100, ...points.map((p) => p[field]));
  const x = (i) => 30 + (points.length > 1 ? (i * 360) / (points.length - 1) : 180);
  const y = (v) => 160 - (v / max) * 145;
  for (const level of field === "lel_pct" ? [25, 50] : [20]) {
    const line = document.createElementNS(ns, "line");
    Object.entries({ x1: 30, x2: 390, y1: y(level), y2: y(level), stroke: "#f29e1f", "stroke-dasharray": "4 3" })
      .forEach(([k, v]) => line.setAttribute(k, v));
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", 2);
    label.setAttribute("y", y(level) + 3);
    label.textContent = String(level);
    svg.append(line, label);
  }
  const color = field === "lel_pct" ? "#d7263d" : "#1f4e8c";
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.map((p, i) => `${x(i)},${y(p[field])}`).join(" "));
  line.setAttribute("stroke", color);
  points.forEach((p, i) => {
    const dot = document.createElementNS(ns, "circle");
    Object.entries({ cx: x(i), cy: y(p[field]), r: 2.5, fill: color }).forEach(([k, v]) => dot.setAttribute(k, v));
    svg.append(dot);
  });
  const caption = document.createElementNS(ns, "text");
  caption.setAttribute("x", 30);
  caption.setAttribute("y", 176);
  caption.textContent = field === "lel_pct" ? "%LEL" : `${t("device.battery")} %`;
  svg.append(line, caption);
  return svg;
}

// ---- reports ---------------------------------------------------------------------------

const REPORT_PATHS = { month: "monthly", quarter: "quarterly", year: "yearly" };

function previousMonth() {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

async function fetchAuthorized(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${state.token}` } });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch { /* not JSON */ }
    throw new Error(detail);
  }
  return response;
}

function reportPath(format) {
  const kind = $("report-kind").value;
  const period = encodeURIComponent($("report-period").value.trim());
  return `/api/v1/reports/${REPORT_PATHS[kind]}?${kind}=${period}&format=${format}`;
}

async function showReport(path) {
  $("report-error").hidden = true;
  try {
    $("report-frame").srcdoc = await (await fetchAuthorized(path)).text();
  } catch (error) {
    $("report-error").textContent = error.message;
    $("report-error").hidden = false;
  }
}

async function download(path, name) {
  try {
    const blob = await (await fetchAuthorized(path)).blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) { fail(error); }
}

async function openReports(reportId) {
  for (const id of ["duty", "manager"]) $(id).hidden = true;
  $("reports").hidden = false;
  if (!$("report-period").value) $("report-period").value = previousMonth();
  const list = $("report-list");
  list.replaceChildren();
  const delivered = await api("/api/v1/reports/delivered");
  if (!delivered.length) list.append(el("li", { class: "muted" }, t("reports.none")));
  for (const r of delivered) {
    const button = el("button", { type: "button", class: "chip", "data-testid": `delivered-${r.id}` }, r.id);
    button.addEventListener("click", () => showReport(`/api/v1/reports/delivered/${encodeURIComponent(r.id)}`));
    list.append(el("li", {}, button));
  }
  if (reportId) await showReport(`/api/v1/reports/delivered/${encodeURIComponent(reportId)}`);
  else await showReport(reportPath("html"));
}

$("reports-open").addEventListener("click", () => openReports().catch(fail));
$("reports-back").addEventListener("click", () => {
  $("reports").hidden = true;
  history.replaceState(null, "", location.pathname);
  $(state.me.role === "manager" ? "manager" : "duty").hidden = false;
});
$("report-form").addEventListener("submit", (event) => {
  event.preventDefault();
  showReport(reportPath("html"));
});
$("report-csv").addEventListener("click", () => download(reportPath("csv"), `siteguard-${$("report-period").value}.csv`));
$("report-json").addEventListener("click", () => download(reportPath("json"), `siteguard-${$("report-period").value}.json`));

// ---- helpers ---------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function onlineBadge(device) {
  if (!device.last_seen) return el("span", { class: "badge" }, t("never"));
  return el("span", { class: `badge ${device.online ? "ok" : "off"}` }, device.online ? t("yes") : t("no"));
}

function factList(pairs) {
  const dl = el("dl", { class: "facts" });
  for (const [key, value] of pairs) {
    if (value == null || value === "") continue;
    dl.append(el("dt", {}, t(key)), el("dd", {}, String(value)));
  }
  return dl;
}

function localTime(text) {
  if (!text) return "-";
  return new Date(text).toLocaleString(currentLang() === "en" ? "en-GB" : "zh-CN", { hour12: false });
}

// ---- start -----------------------------------------------------------------------------

$("lang").addEventListener("click", () => {
  localStorage.setItem("siteguard.lang", currentLang() === "en" ? "zh" : "en");
  translatePage();
  if (state.me) {
    $("who").textContent = `${state.me.name} · ${t(`role.${state.me.role}`)}`;
    if (state.me.role === "manager") { renderBuildings(); renderDevices(); renderTickets(); }
    else { renderAlarms(); renderTickets(); }
  }
});
$("signout").addEventListener("click", signOut);
$("enable-sound").addEventListener("click", async () => {
  if (!tone.context) tone.context = new (window.AudioContext || window.webkitAudioContext)();
  await tone.context.resume();
  $("sound").hidden = tone.context.state === "running";
  beep();
});
$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("signin-error").hidden = true;
  try {
    await signIn($("token").value.trim());
  } catch (error) {
    $("signin-error").textContent = error.message.includes("fetch") ? t("signin.down") : t("signin.bad");
    $("signin-error").hidden = false;
  }
});

translatePage();
if (state.token) signIn(state.token).catch(() => { $("signin").hidden = false; });
else $("signin").hidden = false;
