// A line chart of a device's recent readings as inline SVG (no library, nothing fetched):
// the gas level with its 25/50 %LEL lines, else the battery with its 20 % line; a value
// scale on the left, a time axis below, the unit named.
import { currentLang, t } from "./i18n.js";

const NS = "http://www.w3.org/2000/svg";
const W = 420, H = 210, LEFT = 40, RIGHT = 410, TOP = 12, BOTTOM = 170;

function svgEl(tag, attributes, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text != null) node.textContent = text;
  return node;
}

function timeLabel(ms, spanMs) {
  const options = spanMs > 86400e3 ? { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }
    : spanMs < 3600e3 ? { hour: "2-digit", minute: "2-digit", second: "2-digit" }
      : { hour: "2-digit", minute: "2-digit" };
  return new Date(ms).toLocaleString(currentLang() === "en" ? "en-GB" : "zh-CN", { ...options, hour12: false });
}

// `readings` come newest first, as the API gives them; the chart runs oldest to newest.
export function readingChart(readings) {
  const field = readings.some((r) => r.lel_pct != null) ? "lel_pct" : "battery_pct";
  const gas = field === "lel_pct";
  const points = readings.filter((r) => r[field] != null).reverse()
    .map((r) => ({ at: Date.parse(r.at), value: r[field] }));
  const unit = gas ? t("chart.gas") : t("chart.battery");
  const svg = svgEl("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "data-testid": "reading-chart" });
  const last = points.at(-1);
  svg.append(svgEl("title", {}, `${unit}${last ? `: ${last.value}` : ""}`));
  const max = gas ? Math.max(60, Math.ceil(Math.max(...points.map((p) => p.value)) / 10) * 10) : 100;
  const first = points[0]?.at ?? 0;
  const end = last?.at ?? 1;
  const spanMs = Math.max(end - first, 1);
  const x = (at) => (points.length > 1 ? LEFT + ((at - first) * (RIGHT - LEFT)) / spanMs : (LEFT + RIGHT) / 2);
  const y = (v) => BOTTOM - (v / max) * (BOTTOM - TOP);
  // The scale: 0, half, full, with faint grid lines.
  for (const v of [0, max / 2, max]) {
    svg.append(svgEl("line", { x1: LEFT, x2: RIGHT, y1: y(v), y2: y(v), class: "grid" }),
      svgEl("text", { x: LEFT - 4, y: y(v) + 3, "text-anchor": "end" }, String(v)));
  }
  for (const level of gas ? [25, 50] : [20]) {
    svg.append(svgEl("line", { x1: LEFT, x2: RIGHT, y1: y(level), y2: y(level), class: "limit" }),
      svgEl("text", { x: RIGHT - 2, y: y(level) - 3, "text-anchor": "end", class: "limit-label" }, String(level)));
  }
  svg.append(svgEl("line", { x1: LEFT, x2: LEFT, y1: TOP, y2: BOTTOM, class: "axis" }),
    svgEl("line", { x1: LEFT, x2: RIGHT, y1: BOTTOM, y2: BOTTOM, class: "axis" }));
  // The time axis: first, middle and last reading.
  const ticks = points.length > 1 ? [first, first + spanMs / 2, end] : points.map((p) => p.at);
  ticks.forEach((at, i) => {
    const anchor = ticks.length === 1 ? "middle" : ["start", "middle", "end"][i];
    svg.append(svgEl("line", { x1: x(at), x2: x(at), y1: BOTTOM, y2: BOTTOM + 4, class: "axis" }),
      svgEl("text", { x: x(at), y: BOTTOM + 16, "text-anchor": anchor }, timeLabel(at, spanMs)));
  });
  svg.append(svgEl("text", { x: LEFT, y: H - 6, class: "unit" }, `${unit} · ${t("chart.axis_time")} →`));
  const color = gas ? "#c0182f" : "#1f4e8c";
  svg.append(svgEl("polyline", { points: points.map((p) => `${x(p.at)},${y(p.value)}`).join(" "), stroke: color }),
    ...points.map((p) => svgEl("circle", { cx: x(p.at), cy: y(p.value), r: 2.5, fill: color })));
  return svg;
}
