"""A risk early warning (docs/risk.md) as every channel words it, and as the webhook sends it:
from which level to which, the scores, the factors that weigh most, and routed only where a
route names the subject ``risk``."""

from __future__ import annotations

import msgspec

from core.config import Route
from gateway.notification import Notification, RiskNotice
from gateway.notify.routing import Router
from gateway.notify.text import lines, title

RISE = Notification(
    id="N1",
    reason="raised",
    created_ms=1_767_225_600_000,
    risk=RiskNotice(
        building_id="B1",
        level="orange",
        previous_level="yellow",
        score=47.25,
        previous_score=21.0,
        top={"fires": 19.8, "tickets_overdue": 6.5, "offline_rate": 3.0},
        lifted_by="fires",
    ),
)


def test_a_risk_rise_says_from_what_to_what_and_why() -> None:
    names = {"B1": "金泰里3号楼"}.get
    assert title(RISE, names) == "【风险预警】金泰里3号楼（B1） 风险等级升至橙色（较大风险）"
    body = lines(RISE, names)
    assert body[:3] == [
        "位置：金泰里3号楼（B1）",
        "风险等级：黄色（一般风险） → 橙色（较大风险）",
        "风险指数：21.0 → 47.2",
    ]
    assert body[3] == "主要因素：fires 19.8、tickets_overdue 6.5、offline_rate 3.0"
    assert "fires" in body[4]


def test_it_goes_only_where_a_route_names_risk() -> None:
    router = Router(
        [
            Route(channels=["duty"], subjects=["alarm", "ticket"]),
            Route(channels=["office"], subjects=["risk"]),
        ]
    )
    assert router.channels(RISE) == ["office"]
    assert msgspec.json.decode(msgspec.json.encode(RISE), type=Notification) == RISE
