// Server-Sent Events: a pure parser (text in, events out; no DOM, so Node's test runner can
// test it: tests/web/test_sse.mjs) and the connection that feeds it.
//
// The parser follows the HTML standard's "event stream interpretation": lines end in CRLF,
// LF or CR; a blank line dispatches; ":" starts a comment (the server's heartbeat);
// `data:` lines join with "\n"; one space after the colon is dropped; an event with no
// data is not dispatched; `id:` sets the stream's last event id, which stays until the
// next `id:` (so every event carries the id to resume after).

export function createSseParser() {
  let pending = ""; // an unfinished line, kept until its line end arrives
  let afterCR = false; // the last chunk ended in "\r": a "\n" starting the next one is its pair
  let data = [];
  let type = "";
  let lastId = "";

  function line(text, events) {
    if (text === "") {
      if (data.length) events.push({ event: type || "message", data: data.join("\n"), id: lastId });
      data = [];
      type = "";
      return;
    }
    if (text.startsWith(":")) return; // a comment: the heartbeat, or the stream's greeting
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") type = value;
    else if (field === "id" && !value.includes("\0")) lastId = value;
    // "retry" and unknown fields are ignored: connectStream() keeps its own back-off.
  }

  // Feed the next piece of text (any split, even inside a line or a CRLF); returns the
  // events it completed, oldest first.
  function feed(chunk) {
    const events = [];
    let text = pending + chunk;
    if (afterCR && text.startsWith("\n")) text = text.slice(1);
    afterCR = false;
    let start = 0;
    const ends = /\r\n|\r|\n/g;
    for (let match; (match = ends.exec(text)); ) {
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (match[0] === "\r" && match.index === text.length - 1) afterCR = true;
      line(text.slice(start, match.index), events);
      start = ends.lastIndex;
    }
    pending = text.slice(start);
    return events;
  }

  return { feed };
}

// The console's live stream: fetch() rather than EventSource, because the stream needs the
// Authorization header. Reconnects with back-off (1 s doubling to 10 s, back to 1 s once
// connected) and Last-Event-ID, so nothing is missed while away. A stream silent for longer
// than `stallMs` (the server sends a keepalive every 15 s) counts as lost and is reopened.
//   onEvent({event, data, id}) for each event; onStatus({live, retryAt}) as the connection
//   comes and goes (retryAt: when the next attempt starts, ms since the epoch, or null);
//   onActivity() whenever bytes arrive; onUnauthorized() on a 401 (no reconnecting).
// Returns { stop(), retryNow() }.
export function connectStream({ url, token, onEvent, onStatus, onActivity = () => {}, onUnauthorized, stallMs = 40000 }) {
  let lastEventId = null;
  let delay = 1000; // before the next attempt
  let controller = null;
  let timer = null;
  let stopped = false;
  let watchdog = null;

  function watch(abort) {
    clearTimeout(watchdog);
    watchdog = setTimeout(abort, stallMs);
  }

  async function read(signal, abort) {
    const headers = { Authorization: `Bearer ${token}` };
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    watch(abort);
    const response = await fetch(url, { headers, signal });
    if (response.status === 401) {
      stopped = true;
      onUnauthorized();
      return;
    }
    if (!response.ok) throw new Error(response.statusText);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = createSseParser();
    delay = 1000;
    onStatus({ live: true, retryAt: null });
    onActivity();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      watch(abort);
      onActivity();
      for (const event of parser.feed(decoder.decode(value, { stream: true }))) {
        if (event.id) lastEventId = event.id;
        // A bug in one handler must not drop the stream (and with it every later alarm).
        try { onEvent(event); } catch (error) { console.error(error); }
      }
    }
  }

  function attempt() {
    timer = null;
    controller = new AbortController();
    const own = controller;
    const { signal } = own;
    read(signal, () => own.abort())
      .catch(() => {}) // the network or the server went away: try again below
      .finally(() => {
        clearTimeout(watchdog);
        if (stopped || own !== controller) return;
        timer = setTimeout(attempt, delay);
        onStatus({ live: false, retryAt: Date.now() + delay });
        delay = Math.min(delay * 2, 10000);
      });
  }

  attempt();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(watchdog);
      controller.abort();
    },
    // The banner's button: try at once rather than after the countdown.
    retryNow() {
      if (stopped || timer === null) return;
      clearTimeout(timer);
      onStatus({ live: false, retryAt: null });
      attempt();
    },
  };
}
