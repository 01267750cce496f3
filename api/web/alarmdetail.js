// An alarm's detail: its facts (who acknowledged and cleared it, when), its building with
// the contacts as tel: links, its devices (each opens its readings), its ticket (opens the
// ticket), and the two actions. Acknowledging has no default: three verdict buttons
// (真实 / 误报 / 测试, keys 1 2 3), no submit. Clearing a latched alarm asks for a reason in
// an in-page dialog, and only once it is acknowledged.
import { closeDialog, openDialog } from "./dialog.js";
import { el, factList, localTime, withPhones } from "./dom.js";
import { t } from "./i18n.js";
import { errorLine } from "./notices.js";

const VERDICTS = ["real", "false_alarm", "test"];

export function alarmDetail({ api, state, onChanged, openTicket, openDevice }) {
  const notes = new Map(); // a note being typed survives the detail being redrawn
  const drawn = new WeakMap(); // box -> the latest render, so a slow one never wins

  function facts(alarm) {
    const building = state.building(alarm.building_id) || {};
    const status = alarm.status !== "active" ? t("alarm.cleared")
      : alarm.acknowledged_at ? t("alarm.acked") : t("alarm.unacked");
    let ticket = null;
    if (alarm.ticket_id) {
      ticket = el("button", { type: "button", class: "link", "data-testid": "alarm-ticket" }, `${t("alarm.open_ticket")} ${alarm.ticket_id}`);
      ticket.addEventListener("click", () => openTicket(alarm.ticket_id));
    }
    return factList([
      ["alarm.status", `${t(`severity.${alarm.severity}`)} · ${status}`],
      ["alarm.opened", localTime(alarm.opened_at)],
      ["alarm.updated", localTime(alarm.updated_at)],
      ["alarm.count", String(alarm.count)],
      ["alarm.peak", alarm.peak == null ? null : `${alarm.peak} %LEL`],
      ["alarm.ticket", ticket],
      ["alarm.verdict", alarm.verdict ? t(`ack.${alarm.verdict}`) : null],
      ["ack.by", alarm.acknowledged_by],
      ["ack.at", alarm.acknowledged_at ? localTime(alarm.acknowledged_at) : null],
      ["alarm.note", alarm.ack_note],
      ["clear.by", alarm.cleared_by],
      ["clear.at", alarm.cleared_at ? localTime(alarm.cleared_at) : null],
      ["clear.note_shown", alarm.clear_note],
      ["building.community", building.community],
      ["building.venue", building.venue_type ? t(`venue.${building.venue_type}`) : null],
      ["building.floors", building.floors],
      ["building.address", building.address],
      ["building.property", building.property_company],
      ["building.contact", withPhones(building.manager_contact)],
      ["building.responsible", building.responsible_person],
      ["building.phone", withPhones(building.responsible_phone)],
    ]);
  }

  function deviceRow(id, device) {
    const open = el("button", { type: "button", class: "secondary small", "data-testid": "device-open", "data-device": id },
      t("alarm.device_open"));
    open.addEventListener("click", () => openDevice(id));
    const text = device
      ? `${id} · ${t(`type.${device.device_type}`)} · ${device.location || "-"} · ${device.online ? t("yes") : t("no")}` +
        (device.battery_pct == null ? "" : ` · ${device.battery_pct}%`)
      : id;
    return el("li", { class: "ticket device-line" }, el("span", {}, text), open);
  }

  function acknowledge(alarm) {
    const section = el("section", { class: "actions ack", "data-testid": "ack-form", tabindex: "-1", "aria-labelledby": `ack-h-${alarm.id}` });
    const note = el("textarea", { id: `ack-note-${alarm.id}`, "data-testid": "ack-note" });
    note.value = notes.get(alarm.id) || "";
    note.addEventListener("input", () => notes.set(alarm.id, note.value));
    const error = el("div");
    const buttons = VERDICTS.map((verdict, i) => {
      const button = el("button", { type: "button", class: `verdict ${verdict}`, "data-testid": `verdict-${verdict}`, "data-verdict": verdict },
        el("kbd", {}, String(i + 1)), " ", t(`ack.${verdict}`));
      button.addEventListener("click", () => send(verdict));
      return button;
    });
    async function send(verdict) {
      for (const b of buttons) b.disabled = true;
      try {
        const done = await api.json(`/api/v1/alarms/${alarm.id}/ack`, {
          method: "POST", body: { verdict, note: note.value.trim() || null },
        });
        notes.delete(alarm.id);
        onChanged(done);
      } catch (failure) {
        error.replaceChildren(errorLine(failure));
        for (const b of buttons) b.disabled = false;
      }
    }
    // 1, 2, 3 pick a verdict while the choice has focus (not while typing the note).
    section.addEventListener("keydown", (event) => {
      if (event.target === note || event.ctrlKey || event.metaKey || event.altKey) return;
      const index = ["1", "2", "3"].indexOf(event.key);
      if (index >= 0) {
        event.preventDefault();
        send(VERDICTS[index]);
      }
    });
    section.append(
      el("h3", { id: `ack-h-${alarm.id}` }, t("ack.title")),
      el("label", { for: note.id }, t("ack.note_label")), note,
      el("p", { class: "choose" }, t("ack.choose"), " ", el("span", { class: "muted" }, t("ack.keys"))),
      el("div", { class: "row verdicts", role: "group", "aria-label": t("ack.verdict") }, ...buttons),
      error,
    );
    return section;
  }

  function clearDialog(alarm) {
    let reason = "";
    let failure = null;
    const render = () => {
      const field = el("textarea", { id: "clear-reason", "data-testid": "clear-reason", required: "" });
      field.value = reason;
      field.addEventListener("input", () => { reason = field.value; });
      const form = el("form", { class: "actions", "data-testid": "clear-form", novalidate: "" },
        el("label", { for: "clear-reason" }, t("clear.reason")), field,
        failure,
        el("div", { class: "row" },
          el("button", { type: "submit", class: "danger", "data-testid": "clear-submit" }, t("clear.submit")),
          el("button", { type: "button", class: "secondary", "data-testid": "clear-cancel" }, t("clear.cancel"))));
      form.querySelector("[data-testid=clear-cancel]").addEventListener("click", closeDialog);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (!reason.trim()) {
          failure = el("p", { class: "error", role: "alert", "data-testid": "form-error" }, t("clear.required"));
          form.replaceWith(render().body[1]);
          return;
        }
        try {
          const done = await api.json(`/api/v1/alarms/${alarm.id}/clear`, { method: "POST", body: { note: reason.trim() } });
          closeDialog();
          onChanged(done);
        } catch (error) {
          failure = errorLine(error);
          form.replaceWith(render().body[1]);
        }
      });
      setTimeout(() => document.getElementById("clear-reason")?.focus(), 0);
      return {
        title: `${t("clear.title")} · ${t(`alarm.kind.${alarm.kind}`)} · ${state.buildingName(alarm.building_id)}`,
        body: [el("p", {}, `${localTime(alarm.opened_at)} · ${alarm.device_ids.join(", ")}`), form],
      };
    };
    openDialog(render);
  }

  function clearPart(alarm) {
    if (!alarm.latched || alarm.status !== "active") return null;
    if (!alarm.acknowledged_at) return el("p", { class: "muted clear-hint" }, t("clear.needs_ack"));
    const button = el("button", { type: "button", class: "danger-outline", "data-testid": "clear" }, `${t("clear.go")}…`);
    button.addEventListener("click", () => clearDialog(alarm));
    return el("div", { class: "actions clear" }, button);
  }

  // Draw `alarm` into `box` (the live view's or the history's detail).
  async function render(box, alarm) {
    const mine = {};
    drawn.set(box, mine);
    const ids = alarm.device_ids.slice(0, 8);
    const devices = await Promise.all(ids.map((d) => api.json(`/api/v1/devices/${encodeURIComponent(d)}`).catch(() => null)));
    if (drawn.get(box) !== mine) return;
    const focused = box.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    box.replaceChildren(...[
      el("h2", {}, `${t(`alarm.kind.${alarm.kind}`)} · ${state.buildingName(alarm.building_id)}`),
      facts(alarm),
      el("h3", {}, t("alarm.devices")),
      el("ul", { class: "list" }, ...ids.map((id, i) => deviceRow(id, devices[i]))),
      alarm.status === "active" && !alarm.acknowledged_at ? acknowledge(alarm)
        : alarm.acknowledged_at ? el("p", {}, el("span", { class: "badge ok", "data-testid": "acked" }, t("ack.done"))) : null,
      clearPart(alarm),
    ].filter(Boolean));
    box.dataset.alarm = alarm.id;
    if (focused) box.querySelector(`[data-testid="${focused}"]`)?.focus();
  }

  // The verdict choice of the alarm shown in `box`, focused (the "a" key).
  function focusAck(box) {
    const section = box.querySelector("[data-testid=ack-form]");
    if (!section) return false;
    section.scrollIntoView({ block: "nearest" });
    section.focus();
    return true;
  }

  return { render, focusAck };
}
