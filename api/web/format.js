// Pure formatting the pages share (no DOM: tests/web/test_format.mjs): time left until a
// due time, phone numbers in free text, clock times.
import { currentLang, t } from "./i18n.js";

// "2天3小时" / "5 h 12 min" for a span of milliseconds (sign ignored).
export function span(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d) return t("time.d", { d, h });
  if (h) return t("time.h", { h, m });
  return m ? t("time.m", { m }) : t("time.lt");
}

// A ticket's time left: { overdue, text }. Closed tickets have none (null).
export function timeLeft(ticket, nowMs) {
  if (!ticket.due_at || ticket.status === "closed") return null;
  const left = Date.parse(ticket.due_at) - nowMs;
  const overdue = left < 0;
  return { overdue, text: t(overdue ? "tickets.late" : "tickets.left", { d: span(left) }) };
}

// Free text split into pieces, phone numbers (7+ digits, may start with +, may hold - or
// spaces) marked with `tel`, the dialable form: [{ text, tel? }].
export function phoneParts(text) {
  const parts = [];
  let at = 0;
  for (const match of String(text ?? "").matchAll(/\+?\d[\d -]{5,}\d/g)) {
    const tel = match[0].replace(/[ -]/g, "");
    if (tel.replace("+", "").length < 7) continue;
    if (match.index > at) parts.push({ text: text.slice(at, match.index) });
    parts.push({ text: match[0], tel });
    at = match.index + match[0].length;
  }
  if (at < String(text ?? "").length) parts.push({ text: text.slice(at) });
  return parts;
}

// A local clock time, "03:12:45".
export function clock(ms) {
  return new Date(ms).toLocaleTimeString(currentLang() === "en" ? "en-GB" : "zh-CN", { hour12: false });
}
