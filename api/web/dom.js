// Small DOM helpers shared by the pages. Text always goes in as text nodes (never innerHTML),
// so a building or device name from the API cannot inject markup.
import { currentLang, t } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

// el("li", { class: "ticket" }, "text", child, null): attributes, then children; null skipped.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

// A <dl> of [i18n key, value] pairs; empty values are left out rather than shown as "-".
export function factList(pairs) {
  const dl = el("dl", { class: "facts" });
  for (const [key, value] of pairs) {
    if (value == null || value === "") continue;
    dl.append(el("dt", {}, t(key)), el("dd", {}, String(value)));
  }
  return dl;
}

// The API speaks RFC 3339 in UTC; people read their own clock, 24-hour.
export function localTime(text) {
  if (!text) return "-";
  return new Date(text).toLocaleString(currentLang() === "en" ? "en-GB" : "zh-CN", { hour12: false });
}
