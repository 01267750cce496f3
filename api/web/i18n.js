// Words of the web pages: Simplified Chinese first (the street's language), English second.
// The choice is kept in localStorage, so it outlives the tab (the token does not).
import { WORDS } from "./words.js";

const MESSAGES = {
  zh: {
    "app.title": "安全卫士", "app.subtitle": "张贵庄街道 · 楼宇安全物联网", "app.signout": "退出", "app.live": "实时",
    "reports.open": "统计报表", "reports.back": "返回", "reports.title": "预警统计报表",
    "reports.month": "月报", "reports.quarter": "季报", "reports.year": "年报", "reports.view": "查看",
    "reports.csv": "下载 CSV", "reports.json": "下载 JSON", "reports.delivered": "已推送的报告",
    "reports.none": "暂无已推送的报告", "reports.hint": "月：2026-10　季：2026-Q3　年：2026",
    "signin.title": "登录", "signin.hint": "请输入管理员分配的访问令牌。", "signin.token": "访问令牌",
    "signin.go": "登录", "signin.bad": "令牌无效，请检查后重试。", "signin.down": "无法连接服务器。",
    "role.admin": "管理员", "role.duty": "值班员", "role.manager": "物业", "role.inspector": "网格员",
    "sound.blocked": "有严重报警，但浏览器阻止了提示音。", "sound.enable": "启用报警声音",
    "duty.alarms": "实时报警", "duty.none": "当前没有报警", "duty.pick": "选择一条报警查看楼栋、设备并处置",
    "alarm.unacked": "未确认", "alarm.acked": "已确认", "alarm.cleared": "已恢复", "alarm.times": "{n}次",
    "alarm.opened": "首次报警", "alarm.updated": "最近更新", "alarm.devices": "设备", "alarm.count": "次数",
    "alarm.status": "状态", "alarm.ticket": "隐患工单", "alarm.peak": "最高浓度", "alarm.verdict": "结论",
    "alarm.note": "处置说明", "alarm.latched": "需人工解除",
    "building.title": "楼栋", "building.community": "社区", "building.address": "地址",
    "building.property": "物业公司", "building.contact": "联系人",
    "ack.title": "确认处置", "ack.verdict": "结论", "ack.real": "真实", "ack.false_alarm": "误报",
    "ack.test": "测试", "ack.note": "处置说明（可选）", "ack.go": "确认", "ack.done": "已确认",
    "clear.go": "解除报警", "clear.note": "解除说明", "clear.confirm": "确认解除此报警？",
    "tickets.title": "隐患工单", "tickets.open_all": "未销号", "tickets.none": "没有工单",
    "tickets.due": "期限", "tickets.responsible": "责任单位", "tickets.level": "升级",
    "tickets.note": "请填写说明", "tickets.close_note": "请填写整改情况（销号必填）",
    "move.assigned": "派发", "move.rectifying": "开始整改", "move.review": "提交复核",
    "move.closed": "销号", "move.reject": "退回整改",
    "level.1": "函告", "level.2": "通报", "level.3": "约谈", "level.4": "曝光",
    "manager.buildings": "我的楼栋", "manager.devices": "设备状态", "manager.pick": "点击设备查看近期读数",
    "filter.all": "全部", "filter.offline": "离线", "filter.battery": "低电量", "filter.alarm": "报警中",
    "filter.every_building": "全部楼栋",
    "device.id": "设备", "device.type": "类型", "device.building": "楼栋", "device.location": "位置",
    "device.online": "在线", "device.last_seen": "最后上报", "device.battery": "电量", "device.signal": "信号",
    "device.unread": "此设备上报了系统未解析的字段：{fields}（近7天 {count} 条，最近 {last}）。请管理员为其型号添加型号文件，以免漏报。",
    "device.alarms": "报警", "device.readings": "近期读数", "device.no_readings": "暂无读数",
    "type.smoke": "烟感", "type.gas": "燃气", "type.ebike": "阻车", "yes": "在线", "no": "离线", "never": "未上报",
    "card.devices": "设备 {n} 台", "card.alarms": "报警 {n} 条",
    "error.generic": "操作失败：{msg}",
  },
  en: {
    "app.title": "SiteGuard", "app.subtitle": "Zhangguizhuang Street · building safety IoT", "app.signout": "Sign out", "app.live": "live",
    "reports.open": "Reports", "reports.back": "Back", "reports.title": "Early-warning statistics",
    "reports.month": "Month", "reports.quarter": "Quarter", "reports.year": "Year", "reports.view": "View",
    "reports.csv": "Download CSV", "reports.json": "Download JSON", "reports.delivered": "Delivered reports",
    "reports.none": "No reports delivered yet", "reports.hint": "month 2026-10 · quarter 2026-Q3 · year 2026",
    "signin.title": "Sign in", "signin.hint": "Enter the access token your administrator gave you.", "signin.token": "Access token",
    "signin.go": "Sign in", "signin.bad": "That token is not valid.", "signin.down": "Cannot reach the server.",
    "role.admin": "Administrator", "role.duty": "Duty officer", "role.manager": "Property manager", "role.inspector": "Inspector",
    "sound.blocked": "There are critical alarms, but the browser blocked the alarm tone.", "sound.enable": "Enable alarm sound",
    "duty.alarms": "Live alarms", "duty.none": "No alarms", "duty.pick": "Pick an alarm to see its building and devices and to act on it",
    "alarm.unacked": "Unacknowledged", "alarm.acked": "Acknowledged", "alarm.cleared": "Cleared", "alarm.times": "{n}×",
    "alarm.opened": "Opened", "alarm.updated": "Updated", "alarm.devices": "Devices", "alarm.count": "Count",
    "alarm.status": "Status", "alarm.ticket": "Ticket", "alarm.peak": "Peak", "alarm.verdict": "Verdict",
    "alarm.note": "Note", "alarm.latched": "Cleared by hand",
    "building.title": "Building", "building.community": "Community", "building.address": "Address",
    "building.property": "Property company", "building.contact": "Contact",
    "ack.title": "Acknowledge", "ack.verdict": "Verdict", "ack.real": "Real", "ack.false_alarm": "False alarm",
    "ack.test": "Test", "ack.note": "Note (optional)", "ack.go": "Acknowledge", "ack.done": "Acknowledged",
    "clear.go": "Clear alarm", "clear.note": "Why it is cleared", "clear.confirm": "Clear this alarm?",
    "tickets.title": "Hazard tickets", "tickets.open_all": "Not closed", "tickets.none": "No tickets",
    "tickets.due": "Due", "tickets.responsible": "Responsible", "tickets.level": "Escalation",
    "tickets.note": "Add a note", "tickets.close_note": "How was it rectified? (required to close)",
    "move.assigned": "Assign", "move.rectifying": "Start work", "move.review": "Hand in",
    "move.closed": "Close", "move.reject": "Reject",
    "level.1": "Written notice", "level.2": "Circulated", "level.3": "Summons", "level.4": "Public exposure",
    "manager.buildings": "My buildings", "manager.devices": "Devices", "manager.pick": "Pick a device to see its recent readings",
    "filter.all": "All", "filter.offline": "Offline", "filter.battery": "Low battery", "filter.alarm": "In alarm",
    "filter.every_building": "All buildings",
    "device.id": "Device", "device.type": "Type", "device.building": "Building", "device.location": "Location",
    "device.online": "Online", "device.last_seen": "Last seen", "device.battery": "Battery", "device.signal": "Signal",
    "device.unread": "This device sends fields SiteGuard does not read: {fields} ({count} messages in 7 days, last {last}). An administrator should add a product model for it, so no alarm is missed.",
    "device.alarms": "Alarms", "device.readings": "Recent readings", "device.no_readings": "No readings yet",
    "type.smoke": "Smoke", "type.gas": "Gas", "type.ebike": "E-bike", "yes": "Online", "no": "Offline", "never": "Not yet seen",
    "card.devices": "{n} devices", "card.alarms": "{n} alarms",
    "error.generic": "Failed: {msg}",
  },
};

for (const lang of ["zh", "en"]) Object.assign(MESSAGES[lang], WORDS[lang]);

// What alarm kinds, severities, ticket categories and statuses are called lives once, on the
// server (alerting/labels.py); the page merges it in at start (GET /api/v1/labels).
const LABEL_PREFIX = {
  alarm_kinds: "alarm.kind", severities: "severity", ticket_categories: "category", ticket_statuses: "status",
  venue_types: "venue", check_items: "check", plan_states: "plan",
};

export function addLabels(tables) {
  for (const [table, prefix] of Object.entries(LABEL_PREFIX)) {
    for (const [key, label] of Object.entries(tables[table] || {})) {
      MESSAGES.zh[`${prefix}.${key}`] = label.zh;
      MESSAGES.en[`${prefix}.${key}`] = label.en;
    }
  }
}

export async function loadLabels(fetchImpl = fetch) {
  const response = await fetchImpl("/api/v1/labels");
  if (response.ok) addLabels(await response.json());
}

export function currentLang() {
  return localStorage.getItem("siteguard.lang") === "en" ? "en" : "zh";
}

export function t(key, params) {
  const lang = currentLang();
  let text = (MESSAGES[lang] && MESSAGES[lang][key]) || MESSAGES.zh[key] || key;
  for (const [name, value] of Object.entries(params || {})) text = text.replaceAll(`{${name}}`, value);
  return text;
}

export function translatePage() {
  document.documentElement.lang = currentLang() === "en" ? "en" : "zh-CN";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  document.getElementById("lang").textContent = currentLang() === "en" ? "中文" : "EN";
}

export function switchLang() {
  localStorage.setItem("siteguard.lang", currentLang() === "en" ? "zh" : "en");
  translatePage();
}
