// Attention on every view for unacknowledged critical alarms: their count in the tab's
// title, a sticky red strip (any view, any width) with a jump to the newest, the alarm
// tone, and a browser notification for each new one (asked for at sign-in; refused or
// unavailable: a lasting card in the page instead).
import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { notice } from "./notices.js";

export function attention({ state, tone, onJump }) {
  let explained = false;
  const announced = new Set(); // alarm ids already notified (or there at sign-in)
  const canNotify = () => "Notification" in window && Notification.permission === "granted";
  const describe = (alarm) => ({ kind: t(`alarm.kind.${alarm.kind}`), where: state.buildingName(alarm.building_id) });

  function update() {
    const operator = state.me && !state.isManager() && !state.isInspector();
    const open = operator ? state.unackedCritical() : [];
    document.title = open.length ? t("title.alarm", { n: open.length }) : t("title.base");
    $("attention").hidden = !open.length;
    if (open.length) {
      const { kind, where } = describe(open[0]);
      $("attention-text").textContent = t("attention.text", { n: open.length, what: `${kind} · ${where}` });
      $("attention-go").dataset.id = open[0].id;
    }
    tone.update(open.length > 0);
  }

  function inPage(alarm) {
    const { kind, where } = describe(alarm);
    const open = document.createElement("button");
    open.type = "button";
    open.className = "light small";
    open.textContent = t("notify.open");
    open.addEventListener("click", () => onJump(alarm.id));
    notice(t("notify.new", { kind, where }), { kind: "alarm", ms: 0, actions: [open], testid: "alarm-notice" });
  }

  function notify(alarm) {
    if (!canNotify()) {
      inPage(alarm);
      return;
    }
    const { kind, where } = describe(alarm);
    try {
      const shown = new Notification(t("notify.title", { kind }), { body: where, tag: alarm.id, requireInteraction: true });
      shown.addEventListener("click", () => {
        window.focus();
        onJump(alarm.id);
        shown.close();
      });
    } catch {
      inPage(alarm); // e.g. a phone's browser, which notifies only from a service worker
    }
  }

  $("attention-go").addEventListener("click", () => onJump($("attention-go").dataset.id));

  return {
    update,
    // Alarms there at sign-in: counted, not announced again.
    known(alarm) { announced.add(alarm.id); },
    // A changed alarm from the stream: a new unacknowledged critical one is announced once.
    arrived(alarm) {
      if (state.isManager() || announced.has(alarm.id)) return;
      if (alarm.status !== "active" || alarm.severity !== "critical" || alarm.acknowledged_at) return;
      announced.add(alarm.id);
      notify(alarm);
    },
    // At sign-in (the form's submit is the user gesture browsers want for the question).
    ask() {
      if (!("Notification" in window)) return;
      if (Notification.permission !== "default") return;
      Notification.requestPermission().then((answer) => { if (answer === "denied") this.explain(); }).catch(() => {});
    },
    // Once signed in as an operator: say so when notifications are off.
    explain() {
      if (!state.me || state.isManager() || state.isInspector() || explained) return;
      if (!("Notification" in window) || Notification.permission === "denied") {
        explained = true;
        notice(t("notify.off"), { kind: "info", ms: 8000, testid: "notify-off" });
      }
    },
  };
}
