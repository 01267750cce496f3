"""What a notification says, in Chinese (the duty room's language), for every channel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from alerting.labels import CATEGORY, KIND, SEVERITY, STATUS, zh
from alerting.risk import LEVEL_ZH
from alerting.tickets import ESCALATION_NAMES
from gateway.notification import Notification, ReportNotice, RiskNotice

REASON = {
    "opened": "新报警",
    "escalated": "升级",
    "reminder": "未确认提醒",
    "cleared": "已恢复",
}
TICKET_REASON = {"opened": "新工单", "supervised": "挂牌督办"}
_BEIJING = timedelta(hours=8)

Describe = Callable[[str], str | None]  # building id -> its name, where known


def local_time(ms: int | None) -> str:
    if ms is None:
        return "-"
    return (datetime.fromtimestamp(ms / 1000, UTC) + _BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _where(building_id: str, describe: Describe | None) -> str:
    name = describe(building_id) if describe else None
    return f"{name}（{building_id}）" if name else building_id


# Lines of a digest that name one notice each; the rest are counted.
DIGEST_LINES = 30


def _label(n: Notification) -> str:
    if n.notice is not None:
        return "系统提示"
    if n.alarm is not None:
        return zh(KIND, n.alarm.kind)
    if n.ticket is not None:
        return f"{zh(CATEGORY, n.ticket.category)}工单"
    if n.risk is not None:
        return "风险预警"
    return "报告"


def title(n: Notification, describe: Describe | None = None) -> str:
    if n.notice is not None:
        return f"【系统提示】产品 {n.notice.product} 上报了系统未解析的字段"
    if n.digest:
        counts: dict[str, int] = {}
        for part in n.digest:
            counts[_label(part)] = counts.get(_label(part), 0) + 1
        summary = "、".join(f"{label} {count}" for label, count in counts.items())
        return f"【汇总】{len(n.digest)}条通知：{summary}"
    if n.alarm is not None:
        a = n.alarm
        label = f"{zh(SEVERITY, a.severity)}·{REASON.get(n.reason, n.reason)}"
        return f"【{label}】{zh(KIND, a.kind)} · {_where(a.building_id, describe)}"
    if n.risk is not None:
        r = n.risk
        return f"【风险预警】{_where(r.building_id, describe)} 风险等级升至{LEVEL_ZH[r.level]}"
    if n.report is not None:
        kind = {"month": "月度", "quarter": "季度", "year": "年度"}.get(n.report.kind, "")
        return f"【{kind}预警统计】{n.report.title} 楼宇安全报告已生成"
    assert n.ticket is not None
    t = n.ticket
    if n.reason == "escalated":
        what = f"逾期升级（第{t.escalation_level}级）"
    else:
        what = TICKET_REASON.get(n.reason, n.reason)
    return f"【隐患工单·{what}】{t.title}"


def lines(n: Notification, describe: Describe | None = None) -> list[str]:
    """The body, one fact per line."""
    if n.notice is not None:
        notice = n.notice
        return [
            f"未解析字段：{'、'.join(notice.fields[:20])}",
            f"设备：{notice.device_id or '-'}",
            f"今日此类消息：{notice.count} 条（原始数据见“死信”列表）",
            "请为该产品编写或补充型号文件（docs/adapters.md），报警才不会因字段不明而漏报。",
        ]
    if n.digest:
        out = [
            f"{local_time(part.created_ms)} {title(part, describe)}"
            for part in n.digest[:DIGEST_LINES]
        ]
        if len(n.digest) > DIGEST_LINES:
            out.append(f"……另有 {len(n.digest) - DIGEST_LINES} 条，请在控制台查看。")
        out.append("（通知较多，已合并发送；严重报警始终单独优先发送。）")
        return out
    if n.alarm is not None:
        a = n.alarm
        out = [
            f"位置：{_where(a.building_id, describe)}",
            f"设备：{'、'.join(a.device_ids) or '-'}",
            f"首次报警：{local_time(a.opened_ms)}（北京时间）",
            f"累计次数：{a.count}",
        ]
        if a.peak is not None:
            out.append(f"最高浓度：{a.peak:g} %LEL")
        if a.ticket_id:
            out.append(f"隐患工单：{a.ticket_id}")
        out.append(f"报警编号：{a.id}")
        if n.reason in ("opened", "escalated", "reminder") and a.acknowledged_ms is None:
            out.append("请值班员尽快确认处置。")
        return out
    if n.risk is not None:
        return _risk_lines(n.risk, describe)
    if n.report is not None:
        return _report_lines(n.report)
    assert n.ticket is not None
    t = n.ticket
    out = [
        f"位置：{_where(t.building_id, describe)}",
        f"类别：{zh(CATEGORY, t.category)}",
    ]
    if t.hazard_class == "major":
        cited = f"（{t.hazard_criterion}）" if t.hazard_criterion else ""
        out.append(f"隐患等级：重大事故隐患{cited}")
    out += [
        f"责任单位：{t.responsible}",
        f"整改期限：{local_time(t.due_ms)}（北京时间）"
        + ("，挂牌督办" if t.supervised_ms is not None else ""),
        f"状态：{zh(STATUS, t.status)}",
    ]
    if t.escalation_level in ESCALATION_NAMES:
        out.append(f"逾期升级：第{t.escalation_level}级，{ESCALATION_NAMES[t.escalation_level]}")
    out.append(f"工单编号：{t.id}")
    if n.responsible is not None:
        # Whom it also goes to (the name, never the address or phone: the group sees it).
        who = n.responsible.name or "场所主要负责人"
        out.append(f"请{who}（主要负责人、实际控制人）知悉，并督促照单整改销号。")
    return out


def mentions(configured: list[str], n: Notification) -> list[str]:
    """The mobiles a robot @-mentions: its configured ones, and the responsible person's
    when the notice reaches them."""
    mobile = n.responsible.mobile if n.responsible is not None else None
    return [*configured, mobile] if mobile and mobile not in configured else list(configured)


def plain(n: Notification, describe: Describe | None = None) -> str:
    return "\n".join([title(n, describe), *lines(n, describe)])


# Robots render markdown (and WeCom <font>/<@mention> tags): a building named
# "[请点此确认](http://...)" must not become a link in the duty room's group. The characters
# that make links, tags, bold and code are shown as their full-width forms instead (ids
# keep their underscores: emphasis is harmless).
_MARKDOWN = str.maketrans(
    {"[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "*": "＊", "`": "｀",
     "\\": "＼"}
)  # fmt: skip


def markdown(n: Notification, describe: Describe | None = None) -> str:
    head = title(n, describe).translate(_MARKDOWN)
    body = (f"> {flat(line).translate(_MARKDOWN)}" for line in lines(n, describe))
    return "\n".join([f"### {head}", *body])


def flat(text: str) -> str:
    """One line: an e-mail subject (or a quoted markdown line) cannot hold a line break, and
    names stored before names were checked may have one."""
    return " ".join(text.split()) if any(c in text for c in "\r\n\t\v\f") else text


def subject(n: Notification, describe: Describe | None = None) -> str:
    return flat(title(n, describe))


def _risk_lines(r: RiskNotice, describe: Describe | None) -> list[str]:
    out = [
        f"位置：{_where(r.building_id, describe)}",
        f"风险等级：{LEVEL_ZH[r.previous_level]} → {LEVEL_ZH[r.level]}",
        f"风险指数：{r.previous_score:.1f} → {r.score:.1f}",
    ]
    if r.top:
        weighty = sorted(r.top.items(), key=lambda kv: -kv[1])[:5]
        out.append("主要因素：" + "、".join(f"{name} {points:.1f}" for name, points in weighty))
    if r.lifted_by:
        out.append(f"等级下限：因 {r.lifted_by} 至少为较大风险")
    out.append("请在控制台“态势图”查看该楼栋并安排检查（docs/risk.md）。")
    return out


def _report_lines(r: ReportNotice) -> list[str]:
    h = r.headline

    def n(key: str) -> str:
        value = h.get(key)
        return "-" if value is None else f"{value:.0f}"

    def pct(key: str) -> str:
        value = h.get(key)
        return "-" if value is None else f"{value * 100:.1f}%"

    out = [
        f"报警 {n('alarms.total')} 起，其中确认火警 {n('alarms.kind.fire')} 起、燃气报警 "
        f"{n('alarms.kind.gas')} 起",
        f"严重报警60秒内确认率 {pct('critical.acked_60s_rate')}，烟感误报率 "
        f"{pct('smoke.false_rate')}",
        f"隐患工单新增 {n('tickets.opened')}，销号率 {pct('tickets.closure_rate')}，"
        f"期末逾期 {n('tickets.overdue')}",
        f"电动车进电梯 {n('ebike.detections')} 次，设备在线率 {pct('devices.online_rate')}",
        f"风险预警 {r.warnings} 项" + ("，请关注。" if r.warnings else "。"),
    ]
    out.append(
        f"查看报告：{r.url}" if r.url else f"报告编号：{r.report_id}（在控制台“统计报表”查看）"
    )
    return out
