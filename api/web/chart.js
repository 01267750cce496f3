// A small line chart of a device's recent readings as inline SVG (no library, nothing
// fetched): the gas level with its 25/50 %LEL lines, else the battery with its 20 % line.
import { t } from "./i18n.js";

const NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attributes) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

// `readings` come newest first, as the API gives them; the chart runs oldest to newest.
export function readingChart(readings) {
  const field = readings.some((r) => r.lel_pct != null) ? "lel_pct" : "battery_pct";
  const gas = field === "lel_pct";
  const points = readings.filter((r) => r[field] != null).reverse();
  const svg = svgEl("svg", { class: "chart", viewBox: "0 0 400 180", "data-testid": "reading-chart" });
  const max = Math.max(gas ? 60 : 100, ...points.map((p) => p[field]));
  const x = (i) => 30 + (points.length > 1 ? (i * 360) / (points.length - 1) : 180);
  const y = (v) => 160 - (v / max) * 145;
  for (const level of gas ? [25, 50] : [20]) {
    const label = svgEl("text", { x: 2, y: y(level) + 3 });
    label.textContent = String(level);
    svg.append(svgEl("line", {
      x1: 30, x2: 390, y1: y(level), y2: y(level), stroke: "#f29e1f", "stroke-dasharray": "4 3",
    }), label);
  }
  const color = gas ? "#d7263d" : "#1f4e8c";
  const dots = points.map((p, i) => svgEl("circle", { cx: x(i), cy: y(p[field]), r: 2.5, fill: color }));
  const line = svgEl("polyline", {
    points: points.map((p, i) => `${x(i)},${y(p[field])}`).join(" "), stroke: color,
  });
  const caption = svgEl("text", { x: 30, y: 176 });
  caption.textContent = gas ? "%LEL" : `${t("device.battery")} %`;
  svg.append(...dots, line, caption);
  return svg;
}
