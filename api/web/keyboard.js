// The alarm lists by keyboard: j / k move between alarms, Enter (or Space) opens one (they
// are buttons), a opens the acknowledgement of the focused or open alarm with its verdict
// choice focused (then 1 / 2 / 3: alarmdetail.js). Keys are ignored while typing or while
// a dialog is open. The page shows them (data-i18n="keys.hint").

export function keyboard({ current }) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    if (document.querySelector("dialog[open]")) return;
    const view = current();
    if (!view) return;
    const key = event.key.toLowerCase();
    const rows = [...view.list.querySelectorAll("button.alarm")];
    const at = rows.indexOf(document.activeElement);
    if (key === "j" || key === "k") {
      if (!rows.length) return;
      event.preventDefault();
      const step = key === "j" ? 1 : -1;
      const next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
      rows[next].focus();
      rows[next].scrollIntoView({ block: "nearest" });
    } else if (key === "a") {
      const id = at >= 0 ? rows[at].dataset.id : view.selected();
      if (!id) return;
      event.preventDefault();
      view.acknowledge(id);
    }
  });
}
