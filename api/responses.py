"""The error answers each route documents: every error is ``{"detail": "<sentence>"}``
(api/errors.py), and the OpenAPI document says which statuses a route can give, so a client
generated from it (or the fuzzer in tests/api/test_fuzz.py) meets no surprise."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    detail: str = Field(description="one readable sentence saying what was wrong")


_WHY = {
    400: "the body is not UTF-8",
    401: "no token, or one unknown, revoked or expired",
    403: "the token's role may not do this",
    404: "not found, or outside the token's buildings",
    405: "this adapter takes no URL check",
    409: "not possible in the current state (the answer says why)",
    413: "the body is over the limit (api.max_body_bytes; ingest.max_payload_bytes; "
    "inspections.photo_max_bytes)",
    415: "not a JPEG, PNG or WebP image",
    422: "a parameter or a field is invalid (the answer names it)",
    429: "too many requests: failed sign-ins, photos or public reports (see Retry-After)",
    503: "the database is unavailable or the server is at a limit (see Retry-After)",
}

# What any route behind a token can answer.
SIGNED_IN = (400, 401, 413, 422, 429, 503)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorOut, "description": _WHY[code]} for code in sorted(set(codes))}


def json_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """For a route whose success is not JSON (its errors still are)."""
    schema = {"application/json": {"schema": ErrorOut.model_json_schema()}}
    return {code: {"description": _WHY[code], "content": schema} for code in sorted(set(codes))}


# An image as the request body itself (photos: no multipart parser in front of them).
IMAGE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            kind: {"schema": {"type": "string", "format": "binary"}}
            for kind in ("image/jpeg", "image/png", "image/webp")
        },
    }
}
