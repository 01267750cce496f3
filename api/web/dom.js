// Small DOM helpers shared by the pages. Text always goes in as text nodes (never innerHTML),
// so a building or device name from the API cannot inject markup.
import { phoneParts } from "./format.js";
import { currentLang, t } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

// el("li", { class: "ticket" }, "text", child, null): attributes, then children; null skipped.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value != null) node.setAttribute(name, value);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

// A <dl> of [i18n key, value] pairs (a value may be a node); empty values are left out.
export function factList(pairs) {
  const dl = el("dl", { class: "facts" });
  for (const [key, value] of pairs) {
    if (value == null || value === "") continue;
    dl.append(el("dt", {}, t(key)), el("dd", {}, value instanceof Node ? value : String(value)));
  }
  return dl;
}

// Free text with its phone numbers as tel: links (a duty officer on a phone taps to call).
export function withPhones(text) {
  if (!text) return null;
  const span = el("span");
  for (const part of phoneParts(text)) {
    span.append(part.tel ? el("a", { href: `tel:${part.tel}`, "data-testid": "tel" }, part.text) : part.text);
  }
  return span;
}

// The API speaks RFC 3339 in UTC; people read their own clock, 24-hour.
export function localTime(text) {
  if (!text) return "-";
  return new Date(text).toLocaleString(currentLang() === "en" ? "en-GB" : "zh-CN", { hour12: false });
}

// On a phone the detail sits below the list: bring it into view (and focus for keyboards).
export function reveal(box) {
  if (window.matchMedia("(max-width: 1000px)").matches) box.scrollIntoView({ block: "start" });
  box.focus({ preventScroll: true });
}
