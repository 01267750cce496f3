"""``public``: the public hazard reports (举报, docs/public-reports.md): what one address and
one building may send, how long a reporter's phone number is kept, when a report folds into
an earlier one."""

from __future__ import annotations

from pydantic import Field

from core.config.base import Section


class PublicConfig(Section):
    enabled: bool = Field(default=True, description="the public report page and its API")
    rate_limit_per_hour: int = Field(
        default=10, ge=1, description="reports one address may send per hour (then 429)"
    )
    building_limit_per_hour: int = Field(
        default=30, ge=1, description="reports one building may receive per hour (then 429)"
    )
    photos_per_hour: int = Field(
        default=5, ge=0, description="photos one address may upload per hour (0: no photos)"
    )
    max_text: int = Field(default=500, ge=20, le=5000, description="characters of a report")
    fold_window_s: int = Field(
        default=86400,
        ge=0,
        description="a report of the same building and category while an earlier one's "
        "ticket is open and younger than this folds into it (no second ticket)",
    )
    base_url: str = Field(
        default="",
        max_length=200,
        description="the address the public reaches this service by, for the QR codes "
        "(e.g. https://anquan.example.gov.cn); empty: the address the console is opened by",
    )
    contact_keep_days: int = Field(
        default=90,
        ge=1,
        description="a reporter's phone number is deleted this long after the report (PIPL)",
    )
