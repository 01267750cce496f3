// The one in-page dialog (a native <dialog>, modal: focus stays inside, Esc closes) for the
// ticket detail, a device's readings and the clearing reason. `render()` draws its content
// and is called again when the language changes, so an open dialog follows the switch.
import { $ } from "./dom.js";

let current = null; // { render, onClose }

export function openDialog(render, { onClose } = {}) {
  current = { render, onClose };
  draw();
  const box = $("dialog");
  if (!box.open) box.showModal();
}

export function draw() {
  if (!current) return;
  const { title, body } = current.render();
  $("dialog-h").textContent = title;
  $("dialog-body").replaceChildren(...body);
}

export function closeDialog() {
  if ($("dialog").open) $("dialog").close();
}

export const dialogOpen = () => $("dialog").open;

// Wired once at start.
export function wireDialog() {
  $("dialog-close").addEventListener("click", closeDialog);
  $("dialog").addEventListener("close", () => {
    const closing = current;
    current = null;
    $("dialog-body").replaceChildren();
    if (closing?.onClose) closing.onClose();
  });
}
