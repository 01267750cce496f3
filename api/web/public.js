// The public report page (/r/{building}): send a report with an optional photo and phone
// number, get a tracking code, follow it. No sign-in; plain Chinese; nothing loaded from
// elsewhere. Photos are scaled down here first (a phone's 5 MB picture becomes ~300 KB).
const main = document.getElementById("public");
const building = main.dataset.building;
const $ = (id) => document.getElementById(id);
const STATUS = { open: "已受理", assigned: "已派发处理", rectifying: "整改中", review: "整改完成待复核", closed: "已整改销号" };
const EDGE = 1600;

async function send(path, init) {
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Error("网络连接失败，请稍后重试。");
  }
  if (response.ok) return response.json();
  let detail = "";
  try { detail = (await response.json()).detail || ""; } catch { /* not JSON */ }
  if (response.status === 429) throw new Error("提交太频繁，请稍后再试。");
  if (response.status === 413) throw new Error("照片太大，请换一张。");
  if (response.status === 415) throw new Error("照片格式不支持，请使用 JPEG 或 PNG。");
  if (response.status === 404) throw new Error("没有找到对应的记录，请检查查询码。");
  throw new Error(detail ? `提交失败：${detail}` : "提交失败，请稍后重试。");
}

async function scaled(file) {
  let bitmap;
  try { bitmap = await createImageBitmap(file); } catch { return file; }
  const ratio = Math.min(1, EDGE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * ratio);
  canvas.height = Math.round(bitmap.height * ratio);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), "image/jpeg", 0.8));
}

function showError(id, message) {
  $(id).textContent = message;
  $(id).hidden = !message;
}

$("report-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const category = form.querySelector("input[name=category]:checked");
  const text = $("text").value.trim();
  if (!category) return showError("report-error", "请选择隐患类型。");
  if (!text) return showError("report-error", "请填写具体情况。");
  showError("report-error", "");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const body = { building_id: building, category: category.value, text };
    const contact = $("contact").value.trim();
    if (contact) body.contact = contact;
    if ($("website").value) body.website = $("website").value;
    const file = $("photo").files[0];
    if (file) {
      const image = await scaled(file);
      const photo = await send(`/api/v1/public/photos?building=${encodeURIComponent(building)}`, {
        method: "POST", headers: { "Content-Type": image.type || "image/jpeg" }, body: image,
      });
      body.photo = photo.id;
    }
    const made = await send("/api/v1/public/reports", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    form.hidden = true;
    $("report-code").textContent = made.tracking_code;
    $("report-folded").hidden = !made.folded;
    $("report-done").hidden = false;
    $("track-code").value = made.tracking_code;
  } catch (error) {
    showError("report-error", error.message);
  } finally {
    button.disabled = false;
  }
});

$("track-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = $("track-code").value.trim();
  if (!code) return showError("track-error", "请输入查询码。");
  showError("track-error", "");
  try {
    const found = await send(`/api/v1/public/reports/${encodeURIComponent(code)}`);
    const box = $("track-result");
    const when = (text) => new Date(text).toLocaleString("zh-CN", { hour12: false });
    const head = document.createElement("p");
    head.textContent = `${found.building} · 当前状态：${STATUS[found.status] || found.status}`;
    head.dataset.testid = "track-status";
    const list = document.createElement("ol");
    list.className = "steps";
    for (const step of found.steps) {
      const item = document.createElement("li");
      item.textContent = `${when(step.at)} ${STATUS[step.status] || step.status}`;
      list.append(item);
    }
    box.replaceChildren(head, list);
    box.hidden = false;
  } catch (error) {
    showError("track-error", error.message);
  }
});
