"""Query pieces every list endpoint shares: paging and the token's building scope."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Query, status

from api.auth import Principal


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=1000, description="at most 1000")] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PagingParams = Annotated[Paging, Depends()]


def scoped(column: sa.ColumnElement[str], principal: Principal) -> sa.ColumnElement[bool]:
    """A WHERE clause that keeps only the buildings the token may see."""
    if principal.buildings is None:
        return sa.true()
    return column.in_(sorted(principal.buildings))


def not_found(what: str) -> HTTPException:
    # The same answer whether the resource is missing or outside the token's scope.
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{what} not found")


def unavailable(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc))
