// The duty officer's console (roles duty and admin): the live alarm list (critical first,
// unacknowledged critical ones solid red, a fire's smoke alarms nested under it) and the
// selected alarm's detail (alarmdetail.js); the ticket list sits below (tickets.js).
import { $, reveal } from "./dom.js";
import { renderAlarmList } from "./alarmlist.js";

export function dutyConsole({ api, state, tickets, detail, nav, attention }) {
  let loaded = false;

  // At sign-in, whatever the view: the strip, the title and the tone need the alarms.
  async function load() {
    const alarms = await api.json("/api/v1/alarms?status=active&limit=1000");
    for (const alarm of alarms.items) {
      state.putAlarm(alarm);
      attention.known(alarm);
    }
    loaded = true;
    attention.update();
  }

  // Back after an outage: the stream replays what it can (Last-Event-ID); the lists are
  // fetched again as well, for a console that had no event id yet or was away too long.
  async function resync() {
    if (!loaded) return;
    const alarms = await api.json("/api/v1/alarms?status=active&limit=1000");
    state.syncAlarms(alarms.items);
    for (const alarm of alarms.items) attention.arrived(alarm);
    attention.update();
    await tickets.load();
    tickets.render();
    if (!$("duty").hidden) redraw();
  }

  async function show() {
    $("duty").hidden = false;
    await tickets.load();
    render();
    tickets.render();
    attention.update();
    const wanted = nav.get().alarm;
    if (wanted && state.selectedAlarm !== wanted) await select(wanted, {});
    else if (state.selectedAlarm) await redrawDetail();
  }

  function render() {
    const alarms = state.activeAlarms();
    $("no-alarms").hidden = alarms.length > 0;
    $("alarm-count").textContent = alarms.length ? `(${alarms.length})` : "";
    const focused = document.activeElement?.closest?.("#alarm-list .alarm")?.dataset.id;
    renderAlarmList($("alarm-list"), alarms, { state, selected: state.selectedAlarm, onSelect: select });
    if (focused) $("alarm-list").querySelector(`.alarm[data-id="${CSS.escape(focused)}"]`)?.focus();
  }

  async function redrawDetail() {
    const id = state.selectedAlarm;
    if (!id) return;
    const alarm = state.alarm(id) || (await api.json(`/api/v1/alarms/${encodeURIComponent(id)}`).catch(() => null));
    if (alarm && state.selectedAlarm === id) await detail.render($("alarm-detail"), alarm);
  }

  // { user: true }: a click or Enter, so on a phone the detail scrolls into view.
  async function select(id, { user = false } = {}) {
    state.selectAlarm(id);
    nav.set({ alarm: id });
    render();
    await redrawDetail();
    if (user) reveal($("alarm-detail"));
  }

  // A changed alarm, from the stream or our own action; an older view of it is dropped.
  function onAlarm(alarm) {
    if (!state.putAlarm(alarm)) return;
    attention.arrived(alarm);
    attention.update();
    if (!loaded || $("duty").hidden) return;
    render();
    if (state.selectedAlarm === alarm.id) detail.render($("alarm-detail"), alarm);
  }

  function redraw() {
    if ($("duty").hidden) return;
    render();
    redrawDetail();
  }

  return { load, show, render: redraw, onAlarm, select, resync };
}
