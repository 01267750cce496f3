// Early-warning statistics: a month's, quarter's or year's report shown in a sandboxed frame
// (srcdoc: the report's HTML runs no script and reaches nothing), CSV and JSON downloads,
// and the reports already delivered. A delivered report's link opens /#report=<id>.
import { $, el } from "./dom.js";
import { describeError } from "./errors.js";
import { t } from "./i18n.js";
import { fail } from "./notices.js";

const REPORT_PATHS = { month: "monthly", quarter: "quarterly", year: "yearly" };

function previousMonth() {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

function reportPath(format) {
  const kind = $("report-kind").value;
  const period = encodeURIComponent($("report-period").value.trim());
  return `/api/v1/reports/${REPORT_PATHS[kind]}?${kind}=${period}&format=${format}`;
}

const deliveredPath = (id) => `/api/v1/reports/delivered/${encodeURIComponent(id)}`;

export function reportPages({ api }) {
  async function showReport(path) {
    $("report-error").hidden = true;
    try {
      $("report-frame").srcdoc = await (await api.raw(path)).text();
    } catch (error) {
      const { message, detail } = describeError(error);
      $("report-error").replaceChildren(message, detail ? el("span", { class: "detail" }, detail) : "");
      $("report-error").hidden = false;
    }
  }

  // The download needs the token, so it is fetched here and handed over as a blob.
  async function download(path, name) {
    try {
      const blob = await (await api.raw(path)).blob();
      const link = el("a", { href: URL.createObjectURL(blob), download: name });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) { fail(error); }
  }

  async function open(reportId) {
    $("reports").hidden = false;
    if (!$("report-period").value) $("report-period").value = previousMonth();
    const list = $("report-list");
    list.replaceChildren();
    let delivered = [];
    try { delivered = await api.json("/api/v1/reports/delivered"); } catch (error) { fail(error); }
    if (!delivered.length) list.append(el("li", { class: "muted" }, t("reports.none")));
    for (const r of delivered) {
      const button = el("button", { type: "button", class: "chip", "data-testid": `delivered-${r.id}` }, r.id);
      button.addEventListener("click", () => showReport(deliveredPath(r.id)));
      list.append(el("li", {}, button));
    }
    await showReport(reportId ? deliveredPath(reportId) : reportPath("html"));
  }

  // The page's own buttons, wired once at start.
  function wire() {
    $("report-form").addEventListener("submit", (event) => {
      event.preventDefault();
      showReport(reportPath("html"));
    });
    const named = (ext) => `siteguard-${$("report-period").value}.${ext}`;
    $("report-csv").addEventListener("click", () => download(reportPath("csv"), named("csv")));
    $("report-json").addEventListener("click", () => download(reportPath("json"), named("json")));
  }

  return { open, wire };
}
