// A ticket's detail in the in-page dialog: its facts, the alarm it came from (opens it),
// the escalation steps (函告, 通报, 约谈, 曝光: the ones reached marked), its timeline of
// moves with who, when and the note, and the moves the caller may make.
import { dialogOpen, draw, openDialog } from "./dialog.js";
import { el, factList, localTime } from "./dom.js";
import { t } from "./i18n.js";
import { fail } from "./notices.js";

export function ticketDetail({ api, state, tickets, nav, openAlarm }) {
  let shown = null; // the ticket in the dialog
  let finding = null; // for a ticket an inspection opened: its item, and its photo's URL

  // The failed item behind an inspection ticket, with its photo (fetched with the token,
  // shown from a blob: an <img src> could not carry it).
  async function loadFinding(ticket) {
    if (finding?.url) URL.revokeObjectURL(finding.url);
    finding = null;
    if (!ticket.inspection_id) return;
    try {
      const inspection = await api.json(`/api/v1/inspections/${encodeURIComponent(ticket.inspection_id)}`);
      const item = inspection.items.find((i) => i.ticket_id === ticket.id);
      if (!item) return;
      finding = { item, inspection, url: null };
      if (item.photo_id) {
        const blob = await (await api.raw(`/api/v1/photos/${encodeURIComponent(item.photo_id)}`)).blob();
        finding.url = URL.createObjectURL(blob);
      }
    } catch { /* the ticket itself is still worth showing */ }
  }

  function findingPart() {
    if (!finding) return [];
    const { item, inspection, url } = finding;
    return [
      el("h3", {}, t("ticket.finding")),
      el("div", { class: "finding", "data-testid": "ticket-finding" },
        el("strong", {}, t(`check.${item.item}`)),
        el("div", { class: "note" }, item.note || ""),
        el("div", { class: "muted" }, `${inspection.inspector} · ${localTime(inspection.at)}`),
        url ? el("img", { src: url, alt: t(`check.${item.item}`), class: "finding-photo", "data-testid": "finding-photo" }) : null),
    ];
  }

  // A line whose status stays is an escalation when its level rose, and otherwise a change
  // to the hazard register (分级, 挂牌督办, 移送), which its note says.
  function timeline(ticket) {
    const list = el("ol", { class: "timeline", "data-testid": "ticket-timeline" });
    let level = 0;
    for (const entry of ticket.history || []) {
      const stays = entry.from === entry.to;
      const escalated = stays && entry.escalation_level > level;
      level = entry.escalation_level;
      const what = escalated ? t("ticket.escalated", { level: t(`level.${entry.escalation_level}`) })
        : stays ? t("ticket.register_entry")
          : entry.from ? `${t(`status.${entry.from}`)} → ${t(`status.${entry.to}`)}`
            : `${t("ticket.created_entry")} · ${t(`status.${entry.to}`)}`;
      list.append(el("li", {},
        el("span", { class: "when" }, localTime(entry.at)), " ",
        el("strong", {}, what), ` · ${entry.by}`,
        entry.note ? el("div", { class: "note" }, entry.note) : null));
    }
    return list;
  }

  function hazardClass(ticket) {
    const name = t(`hazard.${ticket.hazard_class}`);
    return ticket.hazard_criterion ? `${name}（${ticket.hazard_criterion}）` : name;
  }

  function referral(ticket) {
    if (!ticket.referred_to) return null;
    const when = ticket.referred_at ? ` · ${localTime(ticket.referred_at)}` : "";
    return `${ticket.referred_to}${when}`;
  }

  function escalation(ticket) {
    const steps = el("ol", { class: "steps", "data-testid": "ticket-escalation" });
    for (const level of [1, 2, 3, 4]) {
      const reached = ticket.escalation_level >= level;
      steps.append(el("li", { class: reached ? "reached" : "", "aria-current": ticket.escalation_level === level ? "step" : null },
        t(`level.${level}`)));
    }
    return steps;
  }

  function render() {
    const ticket = shown;
    let alarm = null;
    if (ticket.alarm_id && state.isManager()) alarm = ticket.alarm_id; // no alarm views for managers
    else if (ticket.alarm_id) {
      alarm = el("button", { type: "button", class: "link", "data-testid": "ticket-alarm" }, ticket.alarm_id);
      alarm.addEventListener("click", () => openAlarm(ticket.alarm_id));
    }
    return {
      title: `${t("ticket.detail")} · ${ticket.title}`,
      body: [
        factList([
          ["ticket.status", t(`status.${ticket.status}`)],
          ["ticket.category", t(`category.${ticket.category}`)],
          ["ticket.severity", t(`severity.${ticket.severity}`)],
          ["ticket.hazard_class", hazardClass(ticket)],
          ["ticket.source", t(`source.${ticket.source}`)],
          ["ticket.supervised", ticket.supervised ? localTime(ticket.supervised_at) : null],
          ["ticket.referred", referral(ticket)],
          ["ticket.referral_reply", ticket.referral_reply],
          ["ticket.building", state.buildingName(ticket.building_id)],
          ["tickets.responsible", ticket.responsible],
          ["tickets.due", tickets.dueLine(ticket, Date.now(), true)],
          ["ticket.created", localTime(ticket.created_at)],
          ["ticket.closed", ticket.closed_at ? localTime(ticket.closed_at) : null],
          ["ticket.alarm", alarm],
        ]),
        el("h3", {}, `${t("ticket.escalation")}: ${ticket.escalation_level ? t(`level.${ticket.escalation_level}`) : t("ticket.escalation_none")}`),
        escalation(ticket),
        ...findingPart(),
        el("h3", {}, t("ticket.timeline")),
        timeline(ticket),
        el("div", { class: "dialog-moves", "data-testid": "ticket-moves" }, tickets.moves(ticket, draw)),
      ],
    };
  }

  async function open(id) {
    try {
      shown = state.ticket(id) || (await api.json(`/api/v1/tickets/${encodeURIComponent(id)}`));
      await loadFinding(shown);
    } catch (error) {
      fail(error);
      return;
    }
    nav.set({ ticket: id });
    openDialog(render, { onClose: () => { shown = null; nav.set({ ticket: "" }); } });
  }

  return {
    open,
    changed(ticket) {
      if (shown && shown.id === ticket.id && dialogOpen()) {
        shown = ticket;
        draw();
      }
    },
  };
}
