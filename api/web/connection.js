// The live connection's state, impossible to miss: while the stream is down a red full-width
// banner says so, with the time of the last update and a countdown to the next attempt; the
// lists are greyed as stale (body.stale); after 30 s a distinct tone sounds. The header's
// "● 实时" shows while connected.
import { $ } from "./dom.js";
import { clock } from "./format.js";
import { t } from "./i18n.js";

const LOST_TONE_AFTER_MS = 30000;

export function connectionBanner({ tone }) {
  let live = false;
  let lostAt = null; // when the stream went (or first failed); null: never lost
  let lastUpdate = null;
  let retryAt = null;
  let ticker = null;

  function render() {
    const now = Date.now();
    const down = !live && lostAt !== null;
    $("live").hidden = !live;
    $("conn-banner").hidden = !down;
    document.body.classList.toggle("stale", down);
    const lostTone = down && now - lostAt >= LOST_TONE_AFTER_MS;
    tone.lost(lostTone);
    document.body.dataset.lostTone = lostTone ? "on" : "off"; // for a look in the devtools
    if (!down) return;
    $("conn-last").textContent = lastUpdate ? t("conn.last", { time: clock(lastUpdate) }) : "";
    $("conn-retry").textContent = retryAt && retryAt > now
      ? t("conn.retry", { n: Math.ceil((retryAt - now) / 1000) }) : t("conn.trying");
  }

  return {
    render,
    // From connectStream's onStatus.
    status({ live: isLive, retryAt: at }) {
      retryAt = at;
      if (isLive) {
        live = true;
        lostAt = null;
        clearInterval(ticker);
        ticker = null;
      } else {
        if (live || lostAt === null) lostAt = Date.now();
        live = false;
        ticker ||= setInterval(render, 1000);
      }
      render();
    },
    activity() { lastUpdate = Date.now(); },
    stop() {
      clearInterval(ticker);
      live = false;
      lostAt = null;
      render();
      $("live").hidden = true;
    },
  };
}
