"""What each figure is called in the report, and how it is shown."""

from __future__ import annotations

from typing import Final

from alerting.labels import KIND, Label

# The hazard register (隐患台账) figures, in Chinese and English, with how each is shown.
# Sources are named as the console names them (api/web/words.js).
REGISTER: Final[dict[str, tuple[Label, str]]] = {
    "register.major": (Label("新增重大事故隐患", "Major hazards opened"), "count"),
    "register.general": (Label("新增一般隐患", "General hazards opened"), "count"),
    "register.source.alarm": (Label("来源：设备报警", "From device alarms"), "count"),
    "register.source.inspection": (Label("来源：巡查检查", "From inspections"), "count"),
    "register.source.backlog": (Label("来源：存量隐患", "From the backlog"), "count"),
    "register.source.manual": (Label("来源：人工录入", "Entered by hand"), "count"),
    "register.source.public": (Label("来源：群众举报", "From public reports"), "count"),
    "backlog.open_at_end": (Label("存量隐患期末未销号", "Backlog open at the end"), "count"),
    "backlog.major_open_at_end": (
        Label("存量重大事故隐患期末未销号", "Major backlog open at the end"),
        "count",
    ),
    "backlog.closed": (Label("存量隐患本期销号", "Backlog closed"), "count"),
    "backlog.open_at_deadline": (
        Label("清零期限时未销号的存量隐患", "Backlog open at the plan's deadline"),
        "count",
    ),
    "backlog.days_past_deadline": (
        Label("存量清零超期天数", "Days past the backlog deadline"),
        "days",
    ),
    "increment.opened": (Label("新增隐患（增量）", "New hazards (increment)"), "count"),
    "increment.closed": (Label("增量隐患销号", "Increment closed"), "count"),
    "increment.major_opened": (
        Label("新增重大事故隐患（增量）", "New major hazards (increment)"),
        "count",
    ),
    "supervised.active": (Label("期末挂牌督办中", "Under supervision at the end"), "count"),
    "supervised.new": (Label("本期挂牌督办", "Supervised in the period"), "count"),
    "supervised.overdue": (Label("挂牌督办超期", "Supervised, past the deadline"), "count"),
    "referred.active": (Label("已移送未销号", "Referred, open at the end"), "count"),
    "referred.new": (Label("本期移送", "Referred in the period"), "count"),
    "major.open_at_end": (
        Label("重大事故隐患期末未销号", "Major hazards open at the end"),
        "count",
    ),
    "major.closed": (Label("重大事故隐患销号", "Major hazards closed"), "count"),
    "major.closure_rate": (Label("重大事故隐患销号率", "Major hazard closure rate"), "rate"),
    "major.on_time_rate": (
        Label("重大事故隐患按期销号率", "Major hazards closed on time"),
        "rate",
    ),
}

# key -> (Chinese label, kind: count | rate | seconds | hours | minutes | days | pct | lel)
FIGURES: Final[dict[str, tuple[str, str]]] = {
    "alarms.total": ("报警总数", "count"),
    **{f"alarms.kind.{kind}": (label.zh, "count") for kind, label in KIND.items()},
    "alarms.severity.critical": ("严重报警", "count"),
    "alarms.severity.warning": ("警告", "count"),
    "alarms.severity.info": ("提示", "count"),
    "fires.real": ("值班员核实的真实火警", "count"),
    "smoke.alarms": ("烟感报警（不含测试）", "count"),
    "smoke.false": ("烟感误报", "count"),
    "smoke.false_rate": ("烟感误报率", "rate"),
    "ack.count": ("已确认报警", "count"),
    "ack.mean_s": ("平均确认用时", "seconds"),
    "ack.p90_s": ("确认用时（90%分位）", "seconds"),
    "critical.count": ("严重报警", "count"),
    "critical.acked_60s": ("60秒内确认的严重报警", "count"),
    "critical.acked_60s_rate": ("严重报警60秒内确认率", "rate"),
    "gas.alarm_minutes": ("燃气报警时长", "minutes"),
    "gas.peak_lel": ("燃气报警最高浓度", "lel"),
    "gas.repeat_devices": ("重复报警的燃气探测器", "count"),
    "devices.count": ("设备数", "count"),
    "devices.online_rate": ("设备在线率（按时长）", "rate"),
    "devices.low_battery": ("低电量设备", "count"),
    "devices.faults": ("设备故障", "count"),
    "devices.offline_alarms": ("设备离线次数", "count"),
    "tickets.opened": ("新增隐患工单", "count"),
    "tickets.closed": ("销号工单", "count"),
    "tickets.open_at_end": ("期末未销号工单", "count"),
    "tickets.overdue": ("期末逾期工单", "count"),
    "tickets.closure_rate": ("销号率", "rate"),
    "tickets.on_time_rate": ("及时率", "rate"),
    "tickets.mean_close_h": ("平均销号用时", "hours"),
    "tickets.level.0": ("未升级", "count"),
    "tickets.level.1": ("一级：函告", "count"),
    "tickets.level.2": ("二级：通报", "count"),
    "tickets.level.3": ("三级：约谈", "count"),
    "tickets.level.4": ("四级：曝光", "count"),
    "ebike.detections": ("电动车进电梯", "count"),
    "ebike.hotspot_tickets": ("电动车高发工单", "count"),
    **{key: (names.zh, kind) for key, (names, kind) in REGISTER.items()},
}


def label_en(key: str) -> str:
    """The English name of a register figure (else its key); the HTML page gives it as the
    tooltip of the register's rows."""
    return REGISTER[key][0].en if key in REGISTER else key


def label(key: str) -> str:
    return FIGURES.get(key, (key, "count"))[0]


def show(key: str, value: float | None) -> str:
    """A figure as people read it."""
    if value is None:
        return "—"
    kind = FIGURES.get(key, (key, "count"))[1]
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "seconds":
        return f"{value:.0f} 秒" if value < 120 else f"{value / 60:.1f} 分钟"
    if kind == "hours":
        return f"{value:.1f} 小时"
    if kind == "minutes":
        return f"{value:.0f} 分钟"
    if kind == "days":
        return f"{value:.1f} 天"
    if kind == "lel":
        return f"{value:.1f} %LEL"
    return f"{value:.0f}"
