// 态势图: the street at a glance for the duty officer. Every building as a tile, grouped by
// community (a schematic grid: no map tiles, so it works offline), coloured by its risk
// level (安全风险分级管控: 红 重大, 橙 较大, 黄 一般, 蓝 低; GET /api/v1/risk), with its live
// alarm state from the stream on top: a building with an active critical alarm is red at
// once, whatever its last computed level. Coverage gaps (no device online) are marked. A
// click opens the building's devices.
import { $, el } from "./dom.js";
import { t } from "./i18n.js";

const RANK = { blue: 0, yellow: 1, orange: 2, red: 3 };

export function situationView({ api, state, loadBuildings, openBuilding }) {
  let risk = new Map(); // building id -> { score, level }
  let rollout = null; // GET /api/v1/rollout
  let loadedAt = 0;

  async function show() {
    $("situation").hidden = false;
    await loadBuildings().catch(() => {}); // device counts: a gap filled since sign-in shows
    // The risk index changes slowly (it is recomputed every few minutes): once a minute
    // at most; the live part comes from the alarms the console already holds.
    if (Date.now() - loadedAt > 60_000) {
      try {
        const data = await api.json("/api/v1/risk?limit=1000");
        risk = new Map((data.items || data).map((r) => [r.building_id, r]));
        loadedAt = Date.now();
      } catch { /* tiles still show the live alarms */ }
      rollout = await api.json("/api/v1/rollout").catch(() => rollout);
    }
    render();
  }

  // The level a tile shows: its risk level, raised to red by a live critical alarm.
  function levelOf(building, alarms) {
    const known = risk.get(building.building_id)?.level || null;
    const critical = alarms.some((a) => a.severity === "critical");
    if (critical) return "red";
    return known;
  }

  function render() {
    if ($("situation").hidden) return;
    const byBuilding = new Map();
    for (const alarm of state.activeAlarms()) {
      if (!byBuilding.has(alarm.building_id)) byBuilding.set(alarm.building_id, []);
      byBuilding.get(alarm.building_id).push(alarm);
    }
    const groups = new Map();
    for (const b of state.buildings()) {
      const key = b.community || t("inspect.no_community");
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(b);
    }
    const counts = { red: 0, orange: 0, yellow: 0, blue: 0 };
    const sections = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b, "zh")).map(([community, buildings]) => {
      const tiles = buildings
        .sort((a, b) => (RANK[levelOf(b, byBuilding.get(b.building_id) || [])] ?? -1) - (RANK[levelOf(a, byBuilding.get(a.building_id) || [])] ?? -1))
        .map((b) => {
          const alarms = byBuilding.get(b.building_id) || [];
          const level = levelOf(b, alarms);
          if (level) counts[level] += 1;
          const score = risk.get(b.building_id)?.score;
          const gap = b.device_count === 0 && !alarms.length; // an alarm comes from a device
          const tile = el("button", {
            type: "button", class: `tile ${level || "unknown"}${alarms.length ? " alarming" : ""}`,
            "data-testid": "tile", "data-building": b.building_id, "data-level": level || "",
          },
          el("strong", {}, b.name || b.building_id),
          el("span", { class: "tile-level" }, level ? t(`risk.${level}`) : t("risk.unknown"),
            score != null ? ` · ${Math.round(score)}` : ""),
          alarms.length ? el("span", { class: "tile-alarm", "data-testid": "tile-alarm" },
            t("situation.alarms", { n: alarms.length })) : null,
          gap ? el("span", { class: "tile-gap", "data-testid": "tile-gap" }, t("situation.gap")) : null);
          tile.addEventListener("click", () => openBuilding(b.building_id));
          return tile;
        });
      return el("section", { class: "community" }, el("h3", {}, community), el("div", { class: "tiles" }, ...tiles));
    });
    $("situation-map").replaceChildren(...sections);
    renderRollout();
    $("situation-legend").replaceChildren(...["red", "orange", "yellow", "blue"].map((level) =>
      el("span", { class: `legend ${level}` }, `${t(`risk.${level}`)} ${counts[level]}`)));
  }

  // Rollout of the plan's devices (items 13-14; docs/rollout.md): each programme's
  // buildings, installed, online, deadline and status.
  function renderRollout() {
    const body = $("rollout-table").querySelector("tbody");
    const pct = (x) => (x == null ? "-" : `${Math.round(x * 100)}%`);
    body.replaceChildren(...(rollout?.programmes || []).map((p) => el("tr", { "data-testid": "rollout-row" },
      el("th", { scope: "row" }, p.title),
      el("td", {}, p.deadline),
      el("td", {}, `${p.total.online} / ${p.total.installed} / ${p.total.buildings}`),
      el("td", {}, pct(p.total.online_rate)),
      el("td", {}, p.total.status ? t(`rollout.${p.total.status}`) : "-"),
      el("td", {}, String(p.gaps.length)))));
    $("rollout-card").hidden = !rollout;
  }

  return { show, render };
}
