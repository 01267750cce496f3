// 巡查: the quarter's inspection plan with coverage per community, and (for inspectors and
// the street's staff) recording an inspection on a phone: each checklist item 合格 / 不合格
// with a note and an optional photo. Photos are scaled down in the browser before upload
// (a phone's 5 MB picture becomes a few hundred KB), then cited by id in the inspection.
import { $, el, reveal } from "./dom.js";
import { t } from "./i18n.js";
import { errorLine, notice } from "./notices.js";

const PHOTO_EDGE = 1600; // px: the longer side after scaling
const PHOTO_QUALITY = 0.8;

export function inspectPages({ api, state }) {
  let plan = null;
  let community = "";
  let open = null; // the venue whose form is shown

  async function show() {
    $("inspect").hidden = false;
    await load();
  }

  async function load() {
    const query = community ? `?community=${encodeURIComponent(community)}` : "";
    plan = await api.json(`/api/v1/inspections/plan${query}`);
    render();
  }

  function render() {
    if (!plan) return;
    $("inspect-quarter").textContent = quarterText(plan.quarter);
    renderCoverage();
    renderVenues();
    if (open) renderForm(open);
  }

  function renderCoverage() {
    const rows = plan.coverage.map((c) => el("tr", { "data-testid": "coverage-row" },
      el("th", { scope: "row" }, c.community || t("inspect.no_community")),
      el("td", {}, `${c.done} / ${c.venues}`),
      el("td", {}, c.rate == null ? "-" : `${Math.round(c.rate * 100)}%`)));
    $("coverage-table").querySelector("tbody").replaceChildren(...rows);
    const select = $("inspect-community");
    const communities = [...new Set(state.buildings().map((b) => b.community).filter(Boolean))].sort();
    select.replaceChildren(el("option", { value: "" }, t("inspect.every_community")),
      ...communities.map((c) => el("option", { value: c }, c)));
    select.value = community;
  }

  function renderVenues() {
    const list = $("venue-list");
    list.replaceChildren(...plan.venues.map((v) => {
      const button = el("button", { type: "button", class: "secondary small", "data-testid": "inspect-start" },
        t(v.state === "done" ? "inspect.again" : "inspect.start"));
      button.addEventListener("click", () => { open = v; renderForm(v); });
      return el("li", { class: `venue ${v.state}`, "data-testid": "venue", "data-building": v.building_id },
        el("div", {},
          el("strong", {}, v.name || v.building_id), " ",
          el("span", { class: `badge plan-${v.state}`, "data-testid": "venue-state" }, t(`plan.${v.state}`)),
          el("div", { class: "muted" }, `${v.community || ""} · ${t(`venue.${v.venue_type}`)}`
            + (v.failed ? ` · ${t("inspect.failed_n", { n: v.failed })}` : ""))),
        button);
    }));
    $("venue-none").hidden = plan.venues.length > 0;
  }

  function renderForm(venue) {
    const box = $("inspect-form-card");
    const form = el("form", { id: "inspect-form", "data-testid": "inspect-form", novalidate: "" });
    form.append(el("h2", {}, t("inspect.form_title", { name: venue.name || venue.building_id })));
    venue.checklist.forEach((item, i) => form.append(itemField(item, i)));
    const noteId = "inspect-note";
    form.append(el("label", { for: noteId }, t("inspect.note")),
      el("textarea", { id: noteId, name: "note", rows: "2", maxlength: "2000" }));
    const submit = el("button", { type: "submit", class: "big", "data-testid": "inspect-submit" }, t("inspect.submit"));
    const cancel = el("button", { type: "button", class: "secondary" }, t("tickets.cancel"));
    cancel.addEventListener("click", () => { open = null; box.hidden = true; });
    form.append(el("div", { class: "row" }, submit, cancel));
    form.addEventListener("submit", (event) => { event.preventDefault(); send(venue, form, submit); });
    box.replaceChildren(form);
    box.hidden = false;
    reveal(box);
  }

  // One checklist item: a fieldset with 合格 / 不合格, and for 不合格 a note and a photo.
  function itemField(item, i) {
    const name = `item-${i}`;
    const radio = (value, key) => {
      const id = `${name}-${value}`;
      return el("span", { class: "choice" },
        el("input", { type: "radio", id, name, value, "data-testid": `item-${item}-${value}` }),
        el("label", { for: id }, t(key)));
    };
    const extra = el("div", { class: "item-extra", hidden: "" },
      el("label", { for: `${name}-note` }, t("inspect.item_note")),
      el("textarea", { id: `${name}-note`, rows: "2", maxlength: "2000", "data-testid": `item-${item}-note` }),
      el("label", { for: `${name}-photo` }, t("inspect.photo")),
      el("input", { id: `${name}-photo`, type: "file", accept: "image/jpeg,image/png,image/webp",
        capture: "environment", "data-testid": `item-${item}-photo` }));
    const set = el("fieldset", { class: "check-item", "data-item": item },
      el("legend", {}, t(`check.${item}`)), radio("ok", "inspect.ok"), radio("bad", "inspect.bad"), extra);
    set.addEventListener("change", () => {
      extra.hidden = set.querySelector("input[value=bad]").checked === false;
    });
    return set;
  }

  async function send(venue, form, submit) {
    form.querySelector("[data-testid=form-error]")?.remove();
    const sets = [...form.querySelectorAll(".check-item")];
    const unanswered = sets.filter((s) => !s.querySelector("input[type=radio]:checked"));
    const silent = sets.filter((s) => s.querySelector("input[value=bad]").checked && !s.querySelector("textarea").value.trim());
    if (unanswered.length || silent.length) {
      const line = el("p", { class: "error", role: "alert", "data-testid": "form-error" },
        unanswered.length ? t("inspect.unanswered", { n: unanswered.length }) : t("inspect.note_needed"));
      form.append(line);
      (unanswered[0] || silent[0]).scrollIntoView({ block: "center" });
      return;
    }
    submit.disabled = true;
    try {
      const items = [];
      for (const set of sets) {
        const ok = set.querySelector("input[value=ok]").checked;
        const answer = { item: set.dataset.item, ok };
        if (!ok) {
          answer.note = set.querySelector("textarea").value.trim();
          const file = set.querySelector("input[type=file]").files[0];
          if (file) answer.photo = await upload(venue.building_id, file);
        }
        items.push(answer);
      }
      const note = form.querySelector("#inspect-note").value.trim();
      const made = await api.json("/api/v1/inspections", {
        method: "POST", body: { building_id: venue.building_id, items, ...(note ? { note } : {}) },
      });
      open = null;
      $("inspect-form-card").hidden = true;
      notice(made.failed ? t("inspect.saved_failed", { n: made.failed }) : t("inspect.saved_ok"),
        { kind: "info", ms: 8000, testid: "inspect-saved" });
      await load();
    } catch (error) {
      form.append(errorLine(error));
    } finally {
      submit.disabled = false;
    }
  }

  async function upload(building, file) {
    const body = await scaled(file);
    const response = await api.send(`/api/v1/photos?building=${encodeURIComponent(building)}`, {
      method: "POST", headers: { "Content-Type": body.type || "image/jpeg" }, body,
    });
    return (await response.json()).id;
  }

  function wire() {
    $("inspect-community").addEventListener("change", (event) => {
      community = event.target.value;
      load().catch(() => {});
    });
  }

  return { show, render, wire, load };
}

// "2026-Q4（10月1日 – 12月31日）": the quarter's days on the street's calendar, from its name
// alone (the browser's time zone may not be the street's).
function quarterText(quarter) {
  const [year, n] = quarter.split("-Q").map(Number);
  const last = new Date(Date.UTC(year, 3 * n, 0)).getUTCDate();
  const month = (m) => new Date(Date.UTC(year, m - 1, 1)).toLocaleString("en-GB", { month: "short", timeZone: "UTC" });
  return t("inspect.quarter", { q: quarter, from: 3 * n - 2, to: 3 * n, last, fromName: month(3 * n - 2), toName: month(3 * n) });
}

// The picture as a JPEG whose longer side is at most PHOTO_EDGE; the file itself when the
// browser cannot decode it (the server then says what is wrong with it).
async function scaled(file) {
  let bitmap;
  try { bitmap = await createImageBitmap(file); } catch { return file; }
  const ratio = Math.min(1, PHOTO_EDGE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * ratio);
  canvas.height = Math.round(bitmap.height * ratio);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), "image/jpeg", PHOTO_QUALITY));
}
