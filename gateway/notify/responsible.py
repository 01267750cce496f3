"""The responsible person (主要负责人 or 实际控制人) of a building, for ticket notices: read from
the venue register when a notice is sent, and never shown whole in a log or an error.

The street's plan asks that major hazards be made known to the 主要负责人、实际控制人 of the
place (item 10), and that slow rectification be met with 函告, 通报, 约谈, 曝光 (item 9).
Routes with ``notify_responsible`` do that through their channels (docs/notifications.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.notification import Contact
from gateway.store import schema

# How a channel reaches a responsible person: their e-mail address, or their mobile
# (a robot's @-mention). A notifier says which by a ``responsible_via`` attribute.
Via = Literal["email", "mobile"]
_CHUNK = 500  # building ids in one query (a burst of escalations spans many buildings)


def contacts(conn: Connection, building_ids: Iterable[str]) -> dict[str, Contact]:
    """The responsible persons of these buildings that have an e-mail address or a phone."""
    wanted = sorted(set(building_ids))
    b = schema.buildings.c
    found: dict[str, Contact] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = conn.execute(
            sa.select(b.building_id, b.responsible_person, b.responsible_email, b.responsible_phone)
            .where(b.building_id.in_(wanted[start : start + _CHUNK]))
            .where(sa.or_(b.responsible_email.is_not(None), b.responsible_phone.is_not(None)))
        )
        for row in rows:
            found[row.building_id] = Contact(
                name=row.responsible_person,
                email=row.responsible_email or None,
                phone=row.responsible_phone or None,
            )
    return found


def via(notifier: object) -> Via | None:
    """How a notifier reaches a responsible person (its ``responsible_via``), if it can."""
    value = getattr(notifier, "responsible_via", None)
    return cast(Via, value) if value in ("email", "mobile") else None


def reachable(contact: Contact | None, via: Via | None) -> bool:
    """Whether a channel that reaches people ``via`` can reach ``contact``."""
    if contact is None or via is None:
        return False
    return contact.email is not None if via == "email" else contact.mobile is not None


def mask_phone(phone: str) -> str:
    """``138****5678``: enough to tell two apart in a log, not enough to call."""
    digits = "".join(c for c in phone if c.isdigit())
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"


def mask_email(address: str) -> str:
    """``z***@example.cn``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def masked(contact: Contact) -> str:
    """The contact as a log line may show it."""
    shown = []
    if contact.email:
        shown.append(mask_email(contact.email))
    if contact.phone:
        shown.append(mask_phone(contact.mobile or contact.phone))
    return ", ".join(shown) or "-"


def scrub(text: str, contact: Contact | None) -> str:
    """``text`` (an error a server answered, say) with the contact's address and phone
    masked, so that it may be logged and stored."""
    if contact is None:
        return text
    if contact.email:
        text = text.replace(contact.email, mask_email(contact.email))
    for phone in {contact.phone, contact.mobile}:
        if phone:
            text = text.replace(phone, mask_phone(phone))
    return text
