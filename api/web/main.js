// SiteGuard's web pages: sign-in, the duty officer's console, the property managers' pages.
// The entry module (index.html loads it with <script type="module">): it makes the state,
// the API client and each part, signs in and out, switches views (kept in the URL's hash
// with the selection and filters: urlstate.js) and routes the live stream's events.
import { alarmDetail } from "./alarmdetail.js";
import { createApi } from "./api.js";
import { attention } from "./attention.js";
import { connectionBanner } from "./connection.js";
import { deviceView } from "./device.js";
import { closeDialog, draw, wireDialog } from "./dialog.js";
import { $ } from "./dom.js";
import { dutyConsole } from "./duty.js";
import { historyView } from "./history.js";
import { inspectPages } from "./inspect.js";
import { loadLabels, switchLang, t, translatePage } from "./i18n.js";
import { keyboard } from "./keyboard.js";
import { managerPages } from "./manager.js";
import { reportPages } from "./reports.js";
import { situationView } from "./situation.js";
import { soundPrompt } from "./sound.js";
import { connectStream } from "./sse.js";
import { createState } from "./state.js";
import { ticketDetail } from "./ticketdetail.js";
import { ticketPanel } from "./tickets.js";
import { alarmTone } from "./tone.js";
import { decodeState, encodeState } from "./urlstate.js";

const SIGNED_OUT = "siteguard.signedout"; // why the last sign-out happened, for the sign-in page

// The hash as the page's memory: get() what it holds, set() a part of it.
function urlNav() {
  let current = decodeState(location.hash);
  return {
    get: () => current,
    set(patch) {
      current = { ...current, ...patch };
      history.replaceState(null, "", location.pathname + location.search + encodeState(current));
    },
  };
}

async function start() {
  // Names of kinds and statuses first: a page without them would show raw keys. An outage
  // here leaves the keys readable (fire, open), and the sign-in below reports it.
  await loadLabels().catch(() => {});
  wireDialog();
  const state = createState();
  const nav = urlNav();
  // A 401 once signed in means the token was revoked or expired while in use.
  const api = createApi({ onUnauthorized: () => { if (state.me) signOut("expired"); } });
  const tone = alarmTone();
  const connection = connectionBanner({ tone });
  let stream = null;
  let view = null;
  let away = false; // the stream was lost: on its return the lists are fetched again

  async function loadBuildings() {
    state.setBuildings((await api.json("/api/v1/buildings?limit=1000")).items);
  }

  const tickets = ticketPanel({ api, state, nav });
  const devices = deviceView({ api, state });
  const attn = attention({ state, tone, onJump: (id) => openAlarm(id, { user: true }) });
  const sound = soundPrompt(tone, () => attn.ask());
  const detail = alarmDetail({
    api, state, onChanged: routeAlarm, openTicket: (id) => ticketView.open(id), openDevice: (id) => devices.open(id),
  });
  const duty = dutyConsole({ api, state, tickets, detail, nav, attention: attn });
  const past = historyView({ api, state, nav, detail });
  const manager = managerPages({ api, state, tickets, loadBuildings, devices, nav });
  const reports = reportPages({ api });
  const inspect = inspectPages({ api, state });
  const situation = situationView({
    api, state, loadBuildings,
    async openBuilding(id) {
      await go("devices");
      $("building-filter").value = id;
      $("building-filter").dispatchEvent(new Event("change"));
    },
  });
  const ticketView = ticketDetail({
    api, state, tickets, nav, openAlarm: (id) => { closeDialog(); openAlarm(id, { user: true }); },
  });
  tickets.attach(ticketView);
  const fillTicketFilters = tickets.wire();
  past.wire();
  reports.wire();
  inspect.wire();

  const VIEWS = {
    alarms: { main: "duty", part: duty },
    history: { main: "history", part: past },
    devices: { main: "manager", part: manager },
    manager: { main: "manager", part: manager },
    inspect: { main: "inspect", part: inspect },
    situation: { main: "situation", part: situation },
    reports: { main: "reports", part: { show: () => reports.open(nav.get().report), render() {} } },
  };
  const allowed = () => {
    if (state.isManager()) return ["manager", "reports"];
    if (state.isInspector()) return ["inspect"];
    return ["alarms", "situation", "history", "devices", "inspect", "reports"];
  };

  async function go(name) {
    if (!allowed().includes(name)) name = allowed()[0];
    view = name;
    nav.set({ view: name, report: name === "reports" ? nav.get().report : "" });
    for (const id of ["duty", "history", "reports", "manager", "inspect", "situation"]) $(id).hidden = true;
    for (const button of document.querySelectorAll("#nav [data-view]")) {
      button.hidden = !allowed().includes(button.dataset.view);
      if (button.dataset.view === name) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
    }
    await VIEWS[name].part.show();
  }

  // An alarm wanted (the strip, a notification, a ticket's link): the live view if active.
  async function openAlarm(id, options) {
    if (state.alarm(id)) {
      if (view !== "alarms") await go("alarms");
      await duty.select(id, options);
    } else {
      if (view !== "history") {
        nav.set({ alarm: id });
        await go("history");
      }
      await past.select(id, options);
    }
  }

  keyboard({
    current() {
      const box = view === "alarms" ? "alarm-detail" : view === "history" ? "history-detail" : null;
      if (!box) return null;
      return {
        list: $(view === "alarms" ? "alarm-list" : "history-list"),
        selected: () => nav.get().alarm,
        async acknowledge(id) {
          if ($(box).dataset.alarm !== id) await (view === "alarms" ? duty : past).select(id, {});
          detail.focusAck($(box));
        },
      };
    },
  });

  function showWho() {
    $("who").textContent = `${state.me.name} · ${t(`role.${state.me.role}`)}`;
  }

  async function signIn(token) {
    api.use(token);
    let me;
    try {
      me = await api.json("/api/v1/me");
    } catch (error) {
      api.forget();
      throw error;
    }
    api.remember();
    sessionStorage.removeItem(SIGNED_OUT);
    state.signedIn(me);
    $("signin").hidden = true;
    for (const id of ["signout", "who", "nav"]) $(id).hidden = false;
    showWho();
    await loadBuildings();
    if (state.isInspector()) {
      // An inspector's page is the plan and the form: no alarm desk, no sound, no stream.
      await go("inspect");
      return;
    }
    manager.wire();
    if (!state.isManager()) {
      fillTicketFilters();
      sound.ask(); // the blocking prompt: the click lets the alarm tone play
      attn.explain(); // notifications refused: say the page itself will tell
    }
    // Listen first, then load: a change between the two is not missed.
    stream = connectStream({
      url: "/api/v1/stream",
      token,
      onEvent,
      onStatus(status) {
        connection.status(status);
        if (status.live && away) resync();
        away = !status.live;
      },
      onActivity: connection.activity,
      onUnauthorized: () => signOut("expired"), // revoked or expired: signing in again is the way back
    });
    if (!state.isManager()) await duty.load();
    await go(nav.get().view || allowed()[0]);
    if (nav.get().ticket) await ticketView.open(nav.get().ticket);
  }

  function resync() {
    if (state.isManager()) manager.render();
    else duty.resync().catch(() => {});
  }

  function signOut(reason) {
    api.forget();
    if (stream) stream.stop();
    if (reason) sessionStorage.setItem(SIGNED_OUT, reason);
    location.reload();
  }

  function routeAlarm(alarm) {
    if (state.isManager()) {
      manager.onAlarm(alarm);
      return;
    }
    duty.onAlarm(alarm);
    past.onAlarm(alarm);
    situation.render();
  }

  function onEvent({ event, data }) {
    if (event === "ended") {
      signOut("expired"); // the server ended the stream: the token no longer holds
      return;
    }
    let object;
    try { object = JSON.parse(data); } catch { return; } // not ours to show
    if (event === "alarm") routeAlarm(object);
    else if (event === "ticket") tickets.onTicket(object);
  }

  // Every word on the page follows the switch, an open detail or dialog included.
  $("lang").addEventListener("click", () => {
    switchLang();
    attn.update();
    connection.render();
    if (!state.me) return;
    showWho();
    if (state.isInspector()) {
      inspect.render();
      draw();
      return;
    }
    if (!state.isManager()) fillTicketFilters();
    for (const part of [duty, past, manager, inspect, situation]) part.render();
    tickets.render();
    draw();
  });
  $("signout").addEventListener("click", () => signOut(""));
  $("conn-now").addEventListener("click", () => stream?.retryNow());
  $("nav").addEventListener("click", (event) => {
    const button = event.target.closest("[data-view]");
    if (button) go(button.dataset.view);
  });
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("signin-error").hidden = true;
    attn.ask(); // browser notifications: asked for now, while the click counts as a gesture
    try {
      await signIn($("token").value.trim());
    } catch (error) {
      // No answer at all means no server, not a bad token.
      $("signin-error").textContent = error.status === 0 ? t("signin.down") : t("signin.bad");
      $("signin-error").hidden = false;
    }
  });

  const why = sessionStorage.getItem(SIGNED_OUT);
  if (why) {
    $("signin-note").dataset.i18n = "signin.expired";
    $("signin-note").hidden = false;
  }
  translatePage();
  attn.update();
  // A reload keeps the tab's token: sign straight back in.
  if (api.token) signIn(api.token).catch(() => { $("signin").hidden = false; });
  else $("signin").hidden = false;
}

start();
