"""What people call each alarm kind, severity, ticket category, ticket status and venue type,
in Chinese and English: the one table that notifications, ticket titles, reports and the
console (through ``GET /api/v1/labels``) all read."""

from __future__ import annotations

from typing import Final, NamedTuple


class Label(NamedTuple):
    zh: str
    en: str


KIND: Final[dict[str, Label]] = {
    "smoke": Label("烟感报警", "Smoke"),
    "fire": Label("火警确认", "Fire confirmed"),
    "gas": Label("燃气泄漏", "Gas leak"),
    "compound": Label("烟雾与燃气复合报警", "Smoke and gas"),
    "ebike_hotspot": Label("电动车进电梯高发", "E-bike hotspot"),
    "ebike_standoff": Label("电动车阻挡电梯门", "E-bike standoff"),
    "device_fault": Label("设备故障", "Device fault"),
    "tamper": Label("设备被拆卸", "Tampered"),
    "low_battery": Label("设备电量低", "Low battery"),
    "device_offline": Label("设备离线", "Offline"),
    "flapping": Label("设备频繁报警", "Flapping"),
}
SEVERITY: Final[dict[str, Label]] = {
    "critical": Label("严重", "Critical"),
    "warning": Label("警告", "Warning"),
    "info": Label("提示", "Info"),
}
CATEGORY: Final[dict[str, Label]] = {
    "fire": Label("消防", "Fire"),
    "gas": Label("燃气", "Gas"),
    "ebike": Label("电动车", "E-bike"),
    "device": Label("设备", "Device"),
    "inspection": Label("巡查", "Inspection"),
}
STATUS: Final[dict[str, Label]] = {
    "open": Label("待派发", "Open"),
    "assigned": Label("已派发", "Assigned"),
    "rectifying": Label("整改中", "Rectifying"),
    "review": Label("待复核", "In review"),
    "closed": Label("已销号", "Closed"),
}

# Venue types of buildings (docs/venues.md): the 九小场所 first, as the plan lists them.
VENUE: Final[dict[str, Label]] = {
    "school": Label("小学校或幼儿园", "Small school or kindergarten"),
    "clinic": Label("小医院", "Small clinic"),
    "shop": Label("小商店", "Small shop"),
    "restaurant": Label("小餐饮场所", "Small restaurant"),
    "hotel": Label("小旅馆", "Small hotel"),
    "entertainment": Label("小歌舞娱乐场所", "Small entertainment venue"),
    "internet_cafe": Label("小网吧", "Internet café"),
    "bathhouse": Label("小美容洗浴场所", "Beauty salon or bathhouse"),
    "workshop": Label("小生产加工企业", "Small workshop"),
    "residential": Label("住宅", "Residential"),
    "high_rise_residential": Label("高层住宅", "High-rise residential"),
    "self_built": Label("自建房", "Self-built house"),
    "old_compound": Label("老旧小区", "Old compound"),
    "other": Label("其他", "Other"),
}

# What an inspection checks (core/config/inspections.py CHECK_ITEMS; docs/inspections.md).
CHECK: Final[dict[str, Label]] = {
    "fire_exits": Label("疏散通道、安全出口畅通", "Fire exits and corridors clear"),
    "fire_access": Label("消防车通道畅通", "Fire-engine access clear"),
    "extinguishers": Label("灭火器配置有效", "Extinguishers present and charged"),
    "wiring": Label("电气线路规范、无私拉乱接", "Electric wiring safe, no makeshift lines"),
    "ebike_charging": Label("无电动自行车违规停放充电", "No e-bikes parked or charged indoors"),
    "gas_hoses": Label("燃气软管、切断阀完好", "Gas hoses and shut-off valves sound"),
    "gas_detector": Label("可燃气体报警器完好在线", "Gas detector fitted and online"),
    "escape_routes": Label("应急照明、疏散指示完好", "Emergency lights and exit signs work"),
    "smoke_detectors": Label("烟感报警器完好在线", "Smoke detectors fitted and online"),
}
# What the public may report (举报, contract section 6; docs/public-reports.md).
PUBLIC_CATEGORY: Final[dict[str, Label]] = {
    "fire_exit_blocked": Label("消防通道或安全出口堵塞", "Fire exit or fire-engine access blocked"),
    "ebike_charging": Label("电动车室内或楼道充电", "E-bike charged indoors or in a corridor"),
    "ebike_in_elevator": Label("电动车进电梯", "E-bike in the elevator"),
    "gas_smell": Label("闻到燃气味", "Smell of gas"),
    "equipment_broken": Label("灭火器或报警器损坏", "Extinguisher or detector broken"),
    "other": Label("其他安全隐患", "Other hazard"),
}
# Where an inspection's quarter stands for a venue (GET /api/v1/inspections/plan).
PLAN: Final[dict[str, Label]] = {
    "done": Label("已检查", "Done"),
    "due": Label("待检查", "Due"),
    "overdue": Label("逾期未检", "Overdue"),
}


def zh(table: dict[str, Label], key: str) -> str:
    """The Chinese name, or the key itself for a value newer than the table."""
    label = table.get(key)
    return label.zh if label is not None else key
