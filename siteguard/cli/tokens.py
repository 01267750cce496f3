"""``siteguard token create``."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from typing import Any

from core.config import ConfigError
from siteguard.cli.common import config_arg, open_store


def add(sub: Any) -> None:
    token = sub.add_parser("token", help="API tokens").add_subparsers(title="token commands")
    create = token.add_parser("create", help="create a token (printed once; stored hashed)")
    config_arg(create)
    create.add_argument("--name", required=True, help="who or what holds it")
    create.add_argument("--role", required=True, choices=("admin", "duty", "manager", "inspector"))
    create.add_argument(
        "--building",
        action="append",
        default=None,
        help="managers: a building in scope (repeat for several)",
    )
    create.add_argument(
        "--community",
        action="append",
        default=None,
        help="inspectors: a community in scope (repeat for several)",
    )
    create.add_argument(
        "--expires-in-days", type=int, default=None, help="the token stops working after this"
    )
    create.set_defaults(handler=_cmd_token_create)


def _cmd_token_create(args: argparse.Namespace) -> int:
    from core.clock import SystemClock
    from core.ids import IdFactory
    from gateway.audit import command_line
    from gateway.tokens import issue_token, store_token

    if args.role != "manager" and args.building:
        raise ConfigError("--building: only manager tokens have a building scope")
    if args.role != "inspector" and args.community:
        raise ConfigError("--community: only inspector tokens have a community scope")
    days = args.expires_in_days
    if days is not None and not 1 <= days <= 3650:
        raise ConfigError("--expires-in-days: 1 to 3650")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine = open_store(args)
    now = SystemClock().now_ms()
    issued = issue_token(
        ids=IdFactory(),
        now_ms=now,
        actor=command_line(getpass.getuser()),
        name=args.name,
        role=args.role,
        buildings=(args.building or []) if args.role == "manager" else None,
        communities=(args.community or []) if args.role == "inspector" else None,
        expires_ms=None if days is None else now + days * 86_400_000,
    )
    with engine.begin() as conn:
        store_token(conn, issued)
    engine.dispose()
    print(issued.token)
    print(
        f"{args.role} token {issued.row['id']} for {args.name!r} (shown once; stored hashed)",
        file=sys.stderr,
    )
    return 0
