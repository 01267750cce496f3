// An alarm list (the live one and the history): each alarm a <button> (focus, Enter and
// Space for free; j/k in keyboard.js), a fire's smoke alarms nested under it (nest.js).
// Unacknowledged critical alarms are solid red rows.
import { el, localTime } from "./dom.js";
import { t } from "./i18n.js";
import { nestAlarms } from "./nest.js";

function badge(alarm) {
  if (alarm.status !== "active") return el("span", { class: "badge plain" }, t("alarm.cleared"));
  if (alarm.acknowledged_at) return el("span", { class: "badge ok" }, t("alarm.acked"));
  return el("span", { class: `badge ${alarm.severity}` }, t(`severity.${alarm.severity}`));
}

function alarmButton(alarm, { state, selected, onSelect }) {
  const classes = ["alarm", alarm.severity];
  if (alarm.status !== "active") classes.push("cleared");
  else if (!alarm.acknowledged_at) classes.push("unacked");
  if (selected === alarm.id) classes.push("selected");
  const button = el("button", {
    type: "button", class: classes.join(" "), "data-id": alarm.id, "data-kind": alarm.kind,
    "data-testid": `alarm-${alarm.kind}`, "aria-current": selected === alarm.id ? "true" : null,
  },
  el("span", { class: "sev", "aria-hidden": "true" }),
  el("span", { class: "body" },
    el("span", { class: "line1" }, el("strong", { class: "kind" }, t(`alarm.kind.${alarm.kind}`)), " ",
      el("span", { class: "where" }, state.buildingName(alarm.building_id))),
    el("span", { class: "line2" }, `${localTime(alarm.opened_at)} · ${alarm.device_ids.join(", ")} · ` +
      t("alarm.times", { n: alarm.count }))),
  el("span", { class: "state" }, badge(alarm)));
  button.addEventListener("click", () => onSelect(alarm.id, { user: true }));
  return button;
}

export function renderAlarmList(list, alarms, options) {
  list.replaceChildren();
  for (const { alarm, children } of nestAlarms(alarms)) {
    const item = el("li", {}, alarmButton(alarm, options));
    if (children.length) {
      const nested = el("ul", { class: "list nested", "aria-label": t("alarm.children"), "data-testid": "nested" });
      for (const child of children) nested.append(el("li", {}, alarmButton(child, options)));
      item.append(nested);
    }
    list.append(item);
  }
}
