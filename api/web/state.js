// What the console knows, in one store made by main.js and handed to each module. The data
// is changed only through these functions, so each merge rule (an older view of an alarm
// never replaces a newer one; a ticket from the stream beats a list still on its way) is
// written once. No DOM here: it is plain data.

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };

export function createState() {
  let me = null; // GET /api/v1/me: name, role, buildings
  let buildings = new Map();
  const alarms = new Map(); // the active alarms, by id
  let tickets = new Map();
  let ticketsArriving = null; // tickets from the stream while the list loads
  let devices = [];
  let selectedAlarm = null;
  let deviceFilter = ""; // "", "offline", "battery" or "alarm"
  const responsibles = new Set(); // every ticket's responsible seen: the assignee picker

  return {
    // ---- who is signed in
    get me() { return me; },
    signedIn(who) { me = who; },
    isManager: () => me?.role === "manager",
    isInspector: () => me?.role === "inspector",

    // ---- buildings
    setBuildings(items) { buildings = new Map(items.map((b) => [b.building_id, b])); },
    buildings: () => [...buildings.values()],
    building: (id) => buildings.get(id),
    buildingName(id) {
      const b = buildings.get(id);
      return b && b.name ? `${b.name}` : id;
    },

    // ---- alarms: true when the alarm was taken (not an older view of one already known)
    putAlarm(alarm) {
      const known = alarms.get(alarm.id);
      if (known && known.updated_at > alarm.updated_at) return false;
      if (alarm.status === "active") alarms.set(alarm.id, alarm);
      else alarms.delete(alarm.id);
      return true;
    },
    // The active list as the API gives it after an outage: what is not in it has gone.
    syncAlarms(items) {
      const ids = new Set(items.map((a) => a.id));
      for (const id of [...alarms.keys()]) if (!ids.has(id)) alarms.delete(id);
      for (const alarm of items) this.putAlarm(alarm);
    },
    alarm: (id) => alarms.get(id),
    // Critical first, then newest.
    activeAlarms: () => [...alarms.values()].sort(
      (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.opened_at.localeCompare(a.opened_at),
    ),
    criticalUnacknowledged: () => [...alarms.values()].some((a) => a.severity === "critical" && !a.acknowledged_at),
    // The unacknowledged critical ones, newest first: the title's count and the red strip.
    unackedCritical: () => [...alarms.values()]
      .filter((a) => a.severity === "critical" && !a.acknowledged_at)
      .sort((a, b) => b.opened_at.localeCompare(a.opened_at)),
    get selectedAlarm() { return selectedAlarm; },
    selectAlarm(id) { selectedAlarm = id; },

    // ---- tickets
    putTicket(ticket) {
      if (ticket.responsible) responsibles.add(ticket.responsible);
      if (ticketsArriving) ticketsArriving.set(ticket.id, ticket);
      tickets.set(ticket.id, ticket);
    },
    // Replaces the tickets with those of fetchItems() that pass shown(); tickets the stream
    // brought while it was on its way are newer than the list, so they win.
    async reloadTickets(fetchItems, shown) {
      const arrived = new Map();
      ticketsArriving = arrived;
      try {
        const items = await fetchItems();
        for (const x of items) if (x.responsible) responsibles.add(x.responsible);
        tickets = new Map(items.filter(shown).map((x) => [x.id, x]));
        for (const ticket of arrived.values()) {
          if (shown(ticket)) tickets.set(ticket.id, ticket);
          else tickets.delete(ticket.id);
        }
      } finally {
        if (ticketsArriving === arrived) ticketsArriving = null;
      }
    },
    ticket: (id) => tickets.get(id),
    responsibles: () => [...responsibles].sort(),
    // Open ones (or closed ones) that pass `also`, the most escalated first, then the soonest due.
    ticketList: (closed, also = () => true) => [...tickets.values()]
      .filter((x) => (closed ? x.status === "closed" : x.status !== "closed") && also(x))
      .sort((a, b) => b.escalation_level - a.escalation_level || a.due_at.localeCompare(b.due_at)),

    // ---- devices (the property manager's table)
    setDevices(items) { devices = items; },
    get deviceFilter() { return deviceFilter; },
    setDeviceFilter(value) { deviceFilter = value; },
    shownDevices(building) {
      return devices.filter((d) => {
        if (building && d.building_id !== building) return false;
        if (deviceFilter === "offline") return !d.online;
        if (deviceFilter === "battery") return d.battery_pct != null && d.battery_pct < 20;
        if (deviceFilter === "alarm") return d.active_alarms > 0;
        return true;
      });
    },
  };
}
