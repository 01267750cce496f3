// What went wrong, in the page's language: an HTTP status (or no answer at all) maps to a
// message a duty officer can act on; the server's own `detail` (often English) is kept as
// secondary text. No DOM here (tests/web/test_errors.mjs).
import { t } from "./i18n.js";

// A failed request: `status` 0 means no answer (the network or the server is down).
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail || "";
  }
}

const BY_STATUS = {
  0: "error.network", 400: "error.invalid", 401: "error.unauthorized", 403: "error.forbidden",
  404: "error.not_found", 409: "error.conflict", 413: "error.too_large", 422: "error.invalid",
  429: "error.rate", 502: "error.unavailable", 503: "error.unavailable", 504: "error.unavailable",
};

// The i18n key for a status.
export function errorKey(status) {
  if (status in BY_STATUS) return BY_STATUS[status];
  return status >= 500 ? "error.server" : "error.unknown";
}

// Any thrown thing: fetch()'s TypeError ("Failed to fetch") is a network failure.
export function describeError(error) {
  const status = error instanceof ApiError ? error.status : error instanceof TypeError ? 0 : -1;
  const detail = error instanceof ApiError && status !== 0 ? error.detail : "";
  return { status, message: t(errorKey(status)), detail: detail ? t("error.detail", { detail }) : "" };
}
