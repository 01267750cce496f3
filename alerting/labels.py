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


def zh(table: dict[str, Label], key: str) -> str:
    """The Chinese name, or the key itself for a value newer than the table."""
    label = table.get(key)
    return label.zh if label is not None else key
