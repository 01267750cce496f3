"""Query pieces every list endpoint shares: paging and the token's building scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Query, status
from sqlalchemy.engine import Connection

from api.auth import Principal
from core.timefmt import parse_rfc3339


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=1000, description="at most 1000")] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PagingParams = Annotated[Paging, Depends()]


def fetch_page(
    conn: Connection,
    query: sa.Select[Any],
    *,
    table: sa.FromClause,
    where: sa.ColumnElement[bool],
    paging: Paging,
) -> tuple[int, Sequence[sa.Row[Any]]]:
    """How many rows of ``table`` match ``where`` (counted on the table alone, without the
    query's joins), and the page of ``query`` with the same filter."""
    total = conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
    rows = conn.execute(query.where(where).limit(paging.limit).offset(paging.offset)).all()
    return total, rows


def scoped(column: sa.ColumnElement[str], principal: Principal) -> sa.ColumnElement[bool]:
    """A WHERE clause that keeps only the buildings the token may see."""
    if principal.buildings is None:
        return sa.true()
    return column.in_(sorted(principal.buildings))


def not_found(what: str) -> HTTPException:
    # The same answer whether the resource is missing or outside the token's scope.
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{what} not found")


def time_range(
    column: sa.ColumnElement[int], *, since: str | None, until: str | None
) -> list[sa.ColumnElement[bool]]:
    """``since <= column < until`` (RFC 3339 bounds, either optional) as filter conditions; a
    bound that does not parse is 422 naming it."""
    conditions: list[sa.ColumnElement[bool]] = []
    for name, value in (("since", since), ("until", until)):
        if value is None:
            continue
        try:
            at = parse_rfc3339(value)
        except ValueError as exc:
            raise HTTPException(422, f"{name}: {exc}") from exc
        conditions.append(column >= at if name == "since" else column < at)
    return conditions
