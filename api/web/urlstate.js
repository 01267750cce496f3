// What the page is showing, kept in the URL's hash so a reload (or a link) comes back to it:
// the view, the selected alarm or ticket, the ticket and history filters. Pure (no DOM:
// tests/web/test_urlstate.mjs). An old report link, #report=<id>, still decodes.

// Every key the hash may hold, in the order it is written.
export const KEYS = [
  "view", "alarm", "ticket", "device", "report",
  "ts", "tb", "tc", "to", "q", // tickets: status, building, category, overdue, search
  "hs", "hb", "hk", "hf", "ht", // history: status, building, kind, from, to
];

export function encodeState(state) {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = state[key];
    if (value !== undefined && value !== null && value !== "" && value !== false) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `#${text}` : "";
}

export function decodeState(hash) {
  const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  const state = {};
  for (const key of KEYS) {
    const value = params.get(key);
    if (value) state[key] = value;
  }
  if (state.report && !state.view) state.view = "reports";
  return state;
}
