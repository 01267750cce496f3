// SiteGuard's web pages: sign-in, the duty officer's console, the property managers' pages.
// The entry module (index.html loads it with <script type="module">): it makes the state
// and the API client, hands them to each part, signs in and routes the live stream. Native
// ES modules, no build step; every piece of data comes from the API with the token.
import { createApi } from "./api.js";
import { $ } from "./dom.js";
import { dutyConsole } from "./duty.js";
import { loadLabels, switchLang, t, translatePage } from "./i18n.js";
import { managerPages } from "./manager.js";
import { reportPages } from "./reports.js";
import { connectStream } from "./sse.js";
import { createState } from "./state.js";
import { ticketPanel } from "./tickets.js";

async function start() {
  // Names of kinds and statuses first: a page without them would show raw keys. An outage
  // here leaves the keys readable (fire, open), and the sign-in below reports it.
  await loadLabels().catch(() => {});
  const state = createState();
  // A 401 once signed in means the token was revoked or expired while in use.
  const api = createApi({ onUnauthorized: () => { if (state.me) signOut(); } });
  let stream = null;

  async function loadBuildings() {
    state.setBuildings((await api.json("/api/v1/buildings?limit=1000")).items);
  }

  const tickets = ticketPanel({ api, state });
  const duty = dutyConsole({ api, state, tickets });
  const manager = managerPages({ api, state, tickets, loadBuildings });
  const reports = reportPages({ api, state });
  const page = () => (state.isManager() ? manager : duty);

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
    state.signedIn(me);
    $("signin").hidden = true;
    $("signout").hidden = false;
    $("who").hidden = false;
    showWho();
    await loadBuildings();
    // Listen first, then load: a change between the two is not missed.
    stream = connectStream({
      url: "/api/v1/stream",
      token,
      onEvent,
      onLive: (live) => { $("live").hidden = !live; },
      onUnauthorized: signOut, // revoked or expired: signing in again is the way back
    });
    $("reports-open").hidden = false;
    await page().show();
    const linked = location.hash.match(/^#report=(.+)$/);
    if (linked) await reports.open(decodeURIComponent(linked[1]));
  }

  function signOut() {
    api.forget();
    if (stream) stream.stop();
    location.reload();
  }

  function onEvent({ event, data }) {
    if (event === "ended") {
      signOut(); // the server ended the stream: the token no longer holds
      return;
    }
    let object;
    try { object = JSON.parse(data); } catch { return; } // not ours to show
    if (event === "alarm") page().onAlarm(object);
    else if (event === "ticket") tickets.onTicket(object);
  }

  $("lang").addEventListener("click", () => {
    switchLang();
    if (!state.me) return;
    showWho();
    page().render();
    tickets.render();
  });
  $("signout").addEventListener("click", signOut);
  $("enable-sound").addEventListener("click", () => duty.enableSound());
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("signin-error").hidden = true;
    try {
      await signIn($("token").value.trim());
    } catch (error) {
      // fetch() itself failing ("Failed to fetch") means no server, not a bad token.
      $("signin-error").textContent = error.message.includes("fetch") ? t("signin.down") : t("signin.bad");
      $("signin-error").hidden = false;
    }
  });
  reports.wire();

  translatePage();
  // A reload keeps the tab's token: sign straight back in.
  if (api.token) signIn(api.token).catch(() => { $("signin").hidden = false; });
  else $("signin").hidden = false;
}

start();
