// The API client: every request carries the token; a 401 means the token no longer holds
// (revoked or expired), and the page signs out rather than showing stale data. Failures
// are ApiError (errors.js): the status and the server's `detail`, never a browser pop-up.
import { ApiError } from "./errors.js";

const TOKEN_KEY = "siteguard.token"; // sessionStorage: the token goes when the tab closes

// onUnauthorized() is called on any 401; the caller decides whether that is a sign-out
// (signed in) or just a wrong token typed into the form.
export function createApi({ onUnauthorized }) {
  let token = sessionStorage.getItem(TOKEN_KEY);

  // fetch() with the token; throws an ApiError (status 0: no answer at all).
  async function send(path, options = {}) {
    const headers = { Authorization: `Bearer ${token}`, ...(options.headers || {}) };
    let response;
    try {
      response = await fetch(path, { ...options, headers });
    } catch (error) {
      throw new ApiError(0, error.message);
    }
    if (response.status === 401) {
      onUnauthorized();
      throw new ApiError(401, "");
    }
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch { /* not JSON */ }
      throw new ApiError(response.status, typeof detail === "string" ? detail : JSON.stringify(detail));
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
    // Any request with its own body and headers (a photo's bytes).
    send,
  };
}
