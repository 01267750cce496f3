"""Rollout coverage (docs/rollout.md): per programme of the plan (e-bike blockers, smoke
detectors, gas detectors), the buildings of its venue types, how many have its device
installed and online, per community and venue type, the buildings still missing, and progress
against its deadline. Every signed-in role, in its scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from alerting.rollout import Counts, Gap, Rollout, Unit, rollout
from api.auth import Context, CurrentPrincipal
from api.responses import SIGNED_IN, errors
from api.routers.common import scoped
from core.timefmt import rfc3339
from gateway.store import schema
from gateway.store.rollout import fitted, sites

router = APIRouter(prefix="/api/v1/rollout", tags=["rollout"], responses=errors(*SIGNED_IN))


class FiguresOut(BaseModel):
    buildings: int = Field(description="buildings of the programme's venue types")
    installed: int = Field(description="of them, with at least one device of its type")
    online: int = Field(description="of them, with at least one such device online")
    all_online: int = Field(description="of them, with every such device online (stricter)")
    devices: int = Field(description="devices of its type in these buildings")
    devices_online: int = Field(description="of them, online")
    installed_rate: float | None = Field(description="installed / buildings; null without any")
    online_rate: float | None = Field(description="online / buildings; null without any")
    all_online_rate: float | None = Field(description="all_online / buildings")
    status: str | None = Field(
        description="done (every building online), late (not done, past the deadline), "
        "on_track (online_rate >= expected_rate), behind; null without buildings"
    )


class CommunityOut(FiguresOut):
    community: str | None = Field(description="null: buildings without a community")


class RowOut(CommunityOut):
    venue_type: str = Field(description="one of the programme's venue types")


class GapOut(BaseModel):
    building_id: str
    name: str | None
    community: str | None
    venue_type: str
    state: str = Field(description="not_installed, or offline (installed, none online)")
    devices: int = Field(description="devices of the programme's type registered there")
    last_seen: str | None = Field(description="when one of them was last heard (offline)")


class ProgrammeOut(BaseModel):
    key: str = Field(description="ebike_blockers, smoke_detectors or gas_detectors")
    title: str = Field(description="its name (rollout.<key>.title)")
    device_type: str = Field(description="the device each building needs")
    venue_types: list[str] = Field(description="the venue types it covers")
    basis: str = Field(description="where the plan asks for it")
    start: str = Field(description="YYYY-MM-DD, when it began")
    deadline: str = Field(description="YYYY-MM-DD, its last day (still in time)")
    days_left: int = Field(description="deadline minus today, in days; negative once past")
    past_deadline: bool
    expected_rate: float = Field(
        description="the share of its days, start to deadline, gone by before today"
    )
    total: FiguresOut = Field(description="every building it covers in the scope")
    communities: list[CommunityOut] = Field(description="per community (null last)")
    rows: list[RowOut] = Field(description="per community and venue type")
    gaps: list[GapOut] = Field(description="buildings not installed or all offline")


class RolloutOut(BaseModel):
    as_of: str = Field(description="when computed (RFC 3339)")
    today: str = Field(description="the local day progress is counted on, YYYY-MM-DD")
    community: str | None = Field(description="the filter asked for, if any")
    programmes: list[ProgrammeOut]


def _figures(counts: Counts, status: str | None) -> dict[str, object]:
    return {**counts.figures(), "status": status}


def _unit(u: Unit) -> dict[str, object]:
    return {"community": u.community, **_figures(u.counts, u.status)}


def _gap(g: Gap) -> GapOut:
    s = g.site
    return GapOut(
        building_id=s.building_id,
        name=s.name,
        community=s.community,
        venue_type=s.venue_type or "",
        state=g.state,
        devices=g.devices,
        last_seen=rfc3339(g.last_seen_ms),
    )


def _programme(r: Rollout) -> ProgrammeOut:
    p, progress = r.programme, r.progress
    return ProgrammeOut(
        key=r.key,
        title=p.title,
        device_type=p.device_type,
        venue_types=list(p.venue_types),
        basis=p.basis,
        start=p.start.isoformat(),
        deadline=p.deadline.isoformat(),
        days_left=progress.days_left,
        past_deadline=progress.past_deadline,
        expected_rate=round(progress.expected_rate, 4),
        total=FiguresOut.model_validate(_figures(r.total, r.status)),
        communities=[CommunityOut.model_validate(_unit(u)) for u in r.communities],
        rows=[RowOut.model_validate({**_unit(u), "venue_type": u.venue_type}) for u in r.rows],
        gaps=[_gap(g) for g in r.gaps],
    )


@router.get("", response_model=RolloutOut)
def get_rollout(
    ctx: Context,
    who: CurrentPrincipal,
    community: Annotated[
        str | None, Query(max_length=200, description="one community only")
    ] = None,
) -> RolloutOut:
    """Each enabled programme (``rollout.*``): its deadline and progress, counts per
    community and venue type, and the buildings still missing, in the caller's scope (a
    property manager: its buildings; an inspector: its communities')."""
    programmes = ctx.report_settings.rollout.programmes()
    now = ctx.clock.now_ms()
    today = datetime.fromtimestamp(now / 1000, ZoneInfo(ctx.timezone)).date()
    venue_types = {v for p in programmes.values() for v in p.venue_types}
    scope = scoped(schema.buildings.c.building_id, who)
    with ctx.engine.connect() as conn:
        found = sites(conn, venue_types=venue_types, community=community, scope=scope)
        devices = fitted(
            conn,
            device_types={p.device_type for p in programmes.values()},
            venue_types=venue_types,
            community=community,
            scope=scope,
        )
    return RolloutOut(
        as_of=rfc3339(now) or "",
        today=today.isoformat(),
        community=community,
        programmes=[
            _programme(rollout(key, p, found, devices, today=today))
            for key, p in programmes.items()
        ],
    )
