// Hazard tickets: the list (the duty console's, or the property manager's) and the moves.
// Which moves a ticket offers is the server's business: each ticket carries
// `allowed_moves`, the statuses the signed-in caller may move it to, and the buttons are
// drawn from that alone (the state machine lives once, in alerting/tickets.py).
import { fail } from "./api.js";
import { $, el, localTime } from "./dom.js";
import { t } from "./i18n.js";

export function ticketPanel({ api, state }) {
  const list = () => $(state.isManager() ? "manager-tickets" : "ticket-list");
  // The duty console chooses open or closed tickets; a manager sees the open ones.
  const status = () => (state.isManager() ? "" : $("ticket-status").value);

  async function load() {
    const wanted = status();
    const query = wanted ? `?status=${wanted}&limit=200` : "?limit=200";
    await state.reloadTickets(
      async () => (await api.json(`/api/v1/tickets${query}`)).items,
      (x) => (wanted === "closed" ? x.status === "closed" : x.status !== "closed"),
    );
  }

  function moveButton(ticket, to) {
    // Sending a ticket in review back is a rejection, not a fresh start.
    const label = ticket.status === "review" && to === "rectifying" ? t("move.reject") : t(`move.${to}`);
    const button = el("button", {
      type: "button", class: to === "closed" ? "" : "secondary", "data-testid": `move-${to}`,
    }, label);
    button.addEventListener("click", () => move(ticket, to));
    return button;
  }

  function render() {
    const target = list();
    target.replaceChildren();
    const tickets = state.ticketList(status() === "closed");
    if (!tickets.length) target.append(el("li", { class: "muted" }, t("tickets.none")));
    for (const ticket of tickets) {
      const level = ticket.escalation_level ? ` · ${t("tickets.level")}: ${t(`level.${ticket.escalation_level}`)}` : "";
      const row = el("div", { class: "row" });
      for (const to of ticket.allowed_moves || []) row.append(moveButton(ticket, to));
      target.append(el("li", { class: "ticket", "data-testid": `ticket-${ticket.category}` },
        el("div", { class: "title" }, ticket.title),
        el("div", { class: "meta" },
          `${t(`status.${ticket.status}`)} · ${t("tickets.responsible")}: ${ticket.responsible} · ` +
          `${t("tickets.due")}: ${localTime(ticket.due_at)}${level}`),
        row,
      ));
    }
  }

  // A changed ticket: from the stream, or the answer to a move.
  function onTicket(ticket) {
    state.putTicket(ticket);
    render();
  }

  async function move(ticket, to) {
    const note = window.prompt(to === "closed" ? t("tickets.close_note") : t("tickets.note"), "");
    if (note === null) return;
    try {
      onTicket(await api.json(`/api/v1/tickets/${ticket.id}/transition`, {
        method: "POST", body: { to, note: note || null },
      }));
    } catch (error) { fail(error); }
  }

  return { load, render, onTicket };
}
