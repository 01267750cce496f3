// Hazard tickets: the list (the duty console's, with filters, or the property manager's)
// and the moves. Which moves a ticket offers is the server's business: each ticket carries
// `allowed_moves`, and the buttons are drawn from that alone (alerting/tickets.py). A move
// opens a small form in the page (a note; for 派发 the assignee), never a browser prompt.
import { $, el, localTime } from "./dom.js";
import { timeLeft } from "./format.js";
import { t } from "./i18n.js";
import { errorLine } from "./notices.js";

const CATEGORIES = ["fire", "gas", "ebike", "device", "inspection"];

export function ticketPanel({ api, state, nav }) {
  let openDetail = () => {};
  const drafts = new Map(); // `${id}:${to}` -> { note, responsible, error }: a form being filled
  const list = () => $(state.isManager() ? "manager-tickets" : "ticket-list");
  const filters = () => {
    if (state.isManager()) return { ts: "", tb: "", tc: "", to: "", q: "" };
    const { ts = "", tb = "", tc = "", to = "", q = "" } = nav.get();
    return { ts, tb, tc, to, q };
  };

  async function load() {
    const f = filters();
    const params = new URLSearchParams({ limit: "500" });
    if (f.ts) params.set("status", f.ts);
    if (f.tb) params.set("building", f.tb);
    if (f.tc) params.set("category", f.tc);
    if (f.to) params.set("overdue", "true");
    await state.reloadTickets(
      async () => (await api.json(`/api/v1/tickets?${params}`)).items,
      (x) => (f.ts === "closed" ? x.status === "closed" : x.status !== "closed"),
    );
  }

  // The filters the API cannot apply to the stream's tickets, and the title search.
  function matches(ticket, f, now) {
    if (f.tb && ticket.building_id !== f.tb) return false;
    if (f.tc && ticket.category !== f.tc) return false;
    if (f.to && !timeLeft(ticket, now)?.overdue) return false;
    if (f.q && !ticket.title.toLowerCase().includes(f.q.toLowerCase())) return false;
    return true;
  }

  function moveForm(ticket, to, redraw) {
    const key = `${ticket.id}:${to}`;
    const draft = drafts.get(key);
    const closing = to === "closed";
    const note = el("textarea", { id: `note-${key}`, "data-testid": "move-note" });
    note.value = draft.note;
    note.addEventListener("input", () => { draft.note = note.value; });
    const parts = [];
    if (to === "assigned") {
      const who = el("input", { id: `who-${key}`, list: `who-list-${key}`, "data-testid": "move-responsible", autocomplete: "off" });
      who.value = draft.responsible;
      who.addEventListener("input", () => { draft.responsible = who.value; });
      parts.push(el("label", { for: who.id }, t("tickets.assignee")), who,
        el("datalist", { id: `who-list-${key}` }, ...state.responsibles().map((r) => el("option", { value: r }))));
    }
    parts.push(el("label", { for: note.id }, t(closing ? "tickets.note_required" : "tickets.note_label")), note);
    const form = el("form", { class: "move-form", "data-testid": "move-form", novalidate: "" }, ...parts, draft.error,
      el("div", { class: "row" },
        el("button", { type: "submit", "data-testid": "move-submit" }, `${t("tickets.submit")} · ${moveLabel(ticket, to)}`),
        el("button", { type: "button", class: "secondary", "data-testid": "move-cancel" }, t("tickets.cancel"))));
    form.querySelector("[data-testid=move-cancel]").addEventListener("click", () => { drafts.delete(key); redraw(); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (closing && !draft.note.trim()) {
        draft.error = el("p", { class: "error", role: "alert", "data-testid": "form-error" }, t("tickets.close_note"));
        redraw();
        return;
      }
      const body = { to, note: draft.note.trim() || null };
      if (to === "assigned" && draft.responsible.trim()) body.responsible = draft.responsible.trim();
      try {
        const moved = await api.json(`/api/v1/tickets/${ticket.id}/transition`, { method: "POST", body });
        drafts.delete(key);
        onTicket(moved);
      } catch (error) {
        draft.error = errorLine(error);
        redraw();
      }
    });
    return form;
  }

  const moveLabel = (ticket, to) =>
    (ticket.status === "review" && to === "rectifying" ? t("move.reject") : t(`move.${to}`));

  // The move buttons of a ticket, and the open form of one of them: the list's and the
  // detail's. `redraw` draws the place they sit in again.
  function moves(ticket, redraw) {
    const open = (ticket.allowed_moves || []).find((to) => drafts.has(`${ticket.id}:${to}`));
    if (open) return moveForm(ticket, open, redraw);
    const row = el("div", { class: "row" });
    for (const to of ticket.allowed_moves || []) {
      const button = el("button", {
        type: "button", class: to === "closed" ? "" : "secondary", "data-testid": `move-${to}`,
      }, moveLabel(ticket, to));
      button.addEventListener("click", () => {
        drafts.set(`${ticket.id}:${to}`, { note: "", responsible: ticket.responsible || "", error: null });
        redraw();
        document.getElementById(`${to === "assigned" ? "who" : "note"}-${ticket.id}:${to}`)?.focus();
      });
      row.append(button);
    }
    return row;
  }

  // "期限: 2026/12/1 18:00 · 剩余 2天3小时", red once overdue; `bare`: without the label.
  function dueLine(ticket, now, bare = false) {
    const left = timeLeft(ticket, now);
    return el("span", { class: left?.overdue ? "due overdue" : "due", "data-testid": "due" },
      bare ? localTime(ticket.due_at) : `${t("tickets.due")}: ${localTime(ticket.due_at)}`, left ? ` · ${left.text}` : "");
  }

  function item(ticket, now) {
    const level = ticket.escalation_level ? ` · ${t("tickets.level")}: ${t(`level.${ticket.escalation_level}`)}` : "";
    const title = el("button", { type: "button", class: "link title", "data-testid": "ticket-open" }, ticket.title);
    title.addEventListener("click", () => openDetail(ticket.id));
    const overdue = timeLeft(ticket, now)?.overdue;
    return el("li", { class: `ticket${overdue ? " late" : ""}`, "data-testid": `ticket-${ticket.category}`, "data-id": ticket.id },
      title,
      el("div", { class: "meta" },
        `${t(`status.${ticket.status}`)} · ${state.buildingName(ticket.building_id)} · ${t("tickets.responsible")}: ${ticket.responsible}${level}`,
        el("br"), dueLine(ticket, now)),
      moves(ticket, render));
  }

  function render() {
    const target = list();
    const f = filters();
    const now = Date.now();
    const tickets = state.ticketList(f.ts === "closed", (x) => matches(x, f, now));
    const focused = document.activeElement && target.contains(document.activeElement) ? document.activeElement.id : null;
    target.replaceChildren(...tickets.map((x) => item(x, now)));
    const filtered = f.tb || f.tc || f.to || f.q;
    if (!tickets.length) target.append(el("li", { class: "empty" }, t(filtered ? "tickets.filtered_none" : "tickets.none")));
    if (focused) document.getElementById(focused)?.focus();
  }

  // The duty console's filter controls, wired once: each change goes to the URL.
  function wire() {
    const building = $("ticket-building");
    const category = $("ticket-category");
    const fill = () => {
      building.replaceChildren(el("option", { value: "" }, t("filter.every_building")),
        ...state.buildings().map((b) => el("option", { value: b.building_id }, b.name || b.building_id)));
      category.replaceChildren(el("option", { value: "" }, t("tickets.every_category")),
        ...CATEGORIES.map((c) => el("option", { value: c }, t(`category.${c}`))));
      const f = filters();
      $("ticket-status").value = f.ts;
      building.value = f.tb;
      category.value = f.tc;
      $("ticket-overdue").checked = Boolean(f.to);
      $("ticket-search").value = f.q;
    };
    const changed = (reload) => {
      nav.set({
        ts: $("ticket-status").value, tb: building.value, tc: category.value,
        to: $("ticket-overdue").checked ? "1" : "", q: $("ticket-search").value.trim(),
      });
      if (reload) load().then(render);
      else render();
    };
    for (const id of ["ticket-status", "ticket-building", "ticket-category", "ticket-overdue"]) {
      $(id).addEventListener("change", () => changed(true));
    }
    $("ticket-search").addEventListener("input", () => changed(false));
    return fill;
  }

  // A changed ticket: from the stream, or the answer to a move.
  function onTicket(ticket) {
    state.putTicket(ticket);
    render();
    onChange(ticket);
  }
  let onChange = () => {};

  return {
    load, render, onTicket, moves, dueLine, wire,
    // The detail (ticketdetail.js) registers itself: titles open it, changes redraw it.
    attach(detail) { openDetail = detail.open; onChange = detail.changed; },
  };
}
