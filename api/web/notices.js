// In-page messages instead of browser pop-ups: a toast for a failed action (the message in
// the page's language, the server's reason below it), a lasting card for a new critical
// alarm when browser notifications are refused, and an error line inside a form.
import { describeError } from "./errors.js";
import { $, el } from "./dom.js";
import { t } from "./i18n.js";

// A message that stays `ms` (0: until dismissed); `actions` are extra buttons.
export function notice(text, { kind = "error", detail = "", ms = 12000, actions = [], testid = "notice" } = {}) {
  const close = el("button", { type: "button", class: "secondary small" }, t("notify.dismiss"));
  const card = el("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status", "data-testid": testid },
    el("div", { class: "notice-text" }, el("strong", {}, text), detail ? el("div", { class: "detail" }, detail) : null),
    el("div", { class: "row" }, ...actions, close));
  const remove = () => card.remove();
  close.addEventListener("click", remove);
  for (const action of actions) action.addEventListener("click", remove);
  $("notices").append(card);
  if (ms) setTimeout(remove, ms);
  return remove;
}

// A failed action, told in the page: fail(error) anywhere an action can go wrong.
export function fail(error) {
  const { message, detail } = describeError(error);
  notice(message, { detail });
}

// The same, inside a form: an element to put under its buttons.
export function errorLine(error) {
  const { message, detail } = describeError(error);
  return el("p", { class: "error", role: "alert", "data-testid": "form-error" },
    message, detail ? el("span", { class: "detail" }, detail) : null);
}
