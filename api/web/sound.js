// The blocking "点击开启报警声音" prompt: after every sign-in and reload of the duty
// console the officer clicks once, so the alarm tone can play (a browser allows audio only
// after a gesture). A modal <dialog> that Esc does not close.
import { $ } from "./dom.js";

export function soundPrompt(tone, onClick = () => {}) {
  const box = $("sound-dialog");
  box.addEventListener("cancel", (event) => event.preventDefault()); // Esc: stays
  $("enable-sound").addEventListener("click", async () => {
    onClick(); // a gesture: the moment to ask for browser notifications too
    try { await tone.enable(); } catch { /* no audio device: the strip and title still show */ }
    box.close();
  });
  return {
    ask() { if (!box.open) box.showModal(); },
  };
}
