"""A realistic street for the demo: three communities, twelve buildings, about 300 devices.

Modelled on the plan's targets (``../shared/seed/``): an old compound (老旧小区) with smoke
alarms, high-rise blocks (高层住宅) with e-bike blockers in their elevators, and a street of
small shops and restaurants (九小场所) with gas detectors. Names and addresses are invented
but shaped like the real ones. Deterministic: the same street every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Device:
    device_id: str
    device_type: str
    building_id: str
    floor: int
    location: str
    imei: str
    vendor: str


@dataclass(frozen=True)
class Building:
    building_id: str
    name: str
    community: str
    address: str
    property_company: str
    manager_contact: str
    devices: list[Device] = field(default_factory=list)


COMMUNITIES = (
    ("金泰里社区", "JT", "老旧小区", "天津市东丽区张贵庄街道金泰里{n}号楼", "金泰物业管理有限公司"),
    (
        "新兴家园社区",
        "XX",
        "高层住宅",
        "天津市东丽区张贵庄街道新兴家园{n}号楼",
        "新兴物业服务有限公司",
    ),
    (
        "张贵庄商业街社区",
        "SY",
        "九小场所",
        "天津市东丽区张贵庄路{n}号商铺",
        "张贵庄商业街商户联合会",
    ),
)
_SHOPS = (
    "川味小厨",
    "老张包子铺",
    "便民超市",
    "好运来饭庄",
    "兰州拉面",
    "鑫鑫快餐",
    "小杨烧烤",
    "乐家美发",
)


def build_street() -> list[Building]:
    buildings: list[Building] = []
    imei = 860374051000000
    for c, (community, code, kind, address, company) in enumerate(COMMUNITIES):
        for n in range(1, 5):
            building_id = f"{code}{n:02d}"
            if kind == "九小场所":
                name = f"商业街{'ABCD'[n - 1]}区"
            else:
                name = f"{community.removesuffix('社区')}{n}号楼"
            building = Building(
                building_id=building_id,
                name=name,
                community=community,
                address=address.format(n=n * 2 - 1 + c * 10),
                property_company=company,
                manager_contact=f"{'王李张刘'[n - 1]}经理 13{c + 5}{n:02d}00{n}{c}{n}{c}8",
            )
            plan: list[tuple[str, int, str]]
            if kind == "老旧小区":
                plan = [("smoke", 25, "楼道")]
            elif kind == "高层住宅":
                plan = [("smoke", 17, "楼道"), ("ebike", 8, "电梯")]
            else:
                plan = [("smoke", 13, "店内"), ("gas", 12, "后厨")]
            for device_type, count, place in plan:
                for i in range(1, count + 1):
                    imei += 7
                    short = {"smoke": "SM", "gas": "GS", "ebike": "EB"}[device_type]
                    if device_type == "ebike":
                        location = f"{(i - 1) // 2 + 1}单元{(i - 1) % 2 + 1}号{place}"
                        floor = 1
                    elif kind == "九小场所":
                        location = f"{_SHOPS[(i - 1) % len(_SHOPS)]}{place}"
                        floor = 1
                    else:
                        floor = (i - 1) % 6 + 1
                        location = f"{(i - 1) // 6 + 1}单元{floor}层{place}"
                    building.devices.append(
                        Device(
                            device_id=f"{building_id}-{short}{i:02d}",
                            device_type=device_type,
                            building_id=building_id,
                            floor=floor,
                            location=location,
                            imei=str(imei),
                            vendor={"smoke": "力安", "gas": "Milesight", "ebike": "海康威视"}[
                                device_type
                            ],
                        )
                    )
            buildings.append(building)
    return buildings
