// The API client: every request carries the token; a 401 means the token no longer holds
// (revoked or expired), and the page signs out rather than showing stale data.
import { t } from "./i18n.js";

const TOKEN_KEY = "siteguard.token"; // sessionStorage: the token goes when the tab closes

// onUnauthorized() is called on any 401; the caller decides whether that is a sign-out
// (signed in) or just a wrong token typed into the form.
export function createApi({ onUnauthorized }) {
  let token = sessionStorage.getItem(TOKEN_KEY);

  // fetch() with the token; throws an Error whose message is the API's `detail`.
  async function send(path, options = {}) {
    const headers = { Authorization: `Bearer ${token}`, ...(options.headers || {}) };
    const response = await fetch(path, { ...options, headers });
    if (response.status === 401) {
      onUnauthorized();
      throw new Error(t("signin.bad"));
    }
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch { /* not JSON */ }
      throw new Error(detail);
    }
    return response;
  }

  return {
    get token() { return token; },
    use(value) { token = value; }, // tried first; kept only once /me accepts it
    remember() { sessionStorage.setItem(TOKEN_KEY, token); },
    forget() { token = null; sessionStorage.removeItem(TOKEN_KEY); },

    // JSON in, JSON out: api.json("/api/v1/x", { method: "POST", body: {...} }).
    async json(path, { body, ...options } = {}) {
      const init = { ...options };
      if (body !== undefined) {
        init.headers = { "Content-Type": "application/json", ...(options.headers || {}) };
        init.body = JSON.stringify(body);
      }
      const response = await send(path, init);
      return response.status === 204 ? null : response.json();
    },

    // The response itself, for reports (HTML, CSV, JSON downloads).
    raw: (path) => send(path),
  };
}

// An action failed: say so in the console's language with the API's reason.
export function fail(error) {
  window.alert(t("error.generic", { msg: error.message }));
}
