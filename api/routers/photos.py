"""Photos of inspections (docs/inspections.md): uploaded as the raw image body (no multipart
parser in front of it), checked by their bytes and size, and served only to those who may see
the building they show."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.auth import Context, CurrentPrincipal, Inspecting
from api.context import ApiContext
from api.responses import IMAGE_BODY, SIGNED_IN, errors
from api.routers.common import not_found
from gateway.photos import PhotoRefused, PhotoStore
from gateway.store import schema
from gateway.store.inspections import building_row, photos_of

router = APIRouter(
    prefix="/api/v1/photos", tags=["photos"], responses=errors(*SIGNED_IN, 403, 404, 413, 415)
)


class PhotoOut(BaseModel):
    id: str
    building_id: str
    media_type: str
    size: int


def _store(ctx: ApiContext) -> PhotoStore:
    if ctx.photos is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "photos are not set up")
    return ctx.photos


@router.post(
    "",
    response_model=PhotoOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IMAGE_BODY,
)
async def upload_photo(
    request: Request,
    ctx: Context,
    who: Inspecting,
    building: Annotated[str, Query(min_length=1, max_length=64, description="what it shows")],
) -> PhotoOut:
    """A JPEG, PNG or WebP image (the body itself), at most ``inspections.photo_max_bytes``;
    cite its id in an inspection's item."""
    photos = _store(ctx)
    if not who.sees(building) or not await run_in_threadpool(_exists, ctx, building):
        raise not_found(f"building {building!r}")
    now = ctx.clock.now_ms()
    limit = ctx.inspections.config.photos_per_hour if ctx.inspections else 120
    if not ctx.photo_quota.take(who.token_id or who.name, now, per_hour=limit):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"at most {limit} photos per hour per token",
            headers={"Retry-After": "600"},
        )
    data = await request.body()
    photo_id = ctx.ids.new(now)
    try:
        stored = await run_in_threadpool(
            photos.save, data, photo_id=photo_id, building_id=building, by=who.name, now_ms=now
        )
    except PhotoRefused as exc:
        status_code = 413 if len(data) > photos.max_bytes else 415
        raise HTTPException(status_code, str(exc)) from exc
    await ctx.write(lambda conn: conn.execute(sa.insert(schema.photos), stored.row))
    return PhotoOut(**{k: stored.row[k] for k in ("id", "building_id", "media_type", "size")})


@router.get("/{photo_id}", response_class=Response, responses={200: {"content": {"image/*": {}}}})
async def get_photo(photo_id: str, ctx: Context, who: CurrentPrincipal) -> Response:
    photos = _store(ctx)
    row = await run_in_threadpool(_photo, ctx, photo_id)
    if row is None or not who.sees(row.building_id):
        raise not_found(f"photo {photo_id!r}")
    data = await run_in_threadpool(photos.read, row.id)
    if data is None:
        raise not_found(f"photo {photo_id!r}")
    return Response(
        data,
        media_type=row.media_type,
        headers={"Cache-Control": "private, max-age=86400", "Content-Disposition": "inline"},
    )


def _exists(ctx: ApiContext, building_id: str) -> bool:
    with ctx.engine.connect() as conn:
        return building_row(conn, building_id) is not None


def _photo(ctx: ApiContext, photo_id: str) -> sa.Row[Any] | None:
    with ctx.engine.connect() as conn:
        return photos_of(conn, [photo_id]).get(photo_id)
