"""``siteguard registry import`` and ``registry broker-users``."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path
from typing import Any

from core.config import ConfigError, load_settings
from siteguard.cli.common import config_arg, open_store


def add(sub: Any) -> None:
    registry = sub.add_parser("registry", help="the building and device registry")
    registry_sub = registry.add_subparsers(title="registry commands")
    importer = registry_sub.add_parser("import", help="buildings and devices from CSV files")
    config_arg(importer)
    importer.add_argument("--buildings", type=Path, help="CSV: building_id,name,community,...")
    importer.add_argument("--devices", type=Path, help="CSV: device_id,device_type,building_id,...")
    importer.add_argument(
        "--hazards",
        type=Path,
        help="CSV of the hazard backlog (存量隐患): ref,building_id,title,hazard_class,...",
    )
    importer.set_defaults(handler=_cmd_registry_import)
    _add_broker_users(registry_sub)


_BROKER_USERS_HELP = """\
Each device logs in to the broker's device listener (deploy/mosquitto/mosquitto.conf) with
user name = its device id and a password of its own. This writes what Mosquitto reads:

  --passwords        the provisioning sheet, CSV device_id,password,building_id,device_type.
                     Read if it exists; each registered device without a row gets a random
                     password (20 characters, no look-alikes), appended. Rows are never
                     changed, so re-running after an import only adds the new devices. Rows
                     may be typed in (a vendor's factory passwords; with --no-generate a
                     missing row is an error). Anything in an optional `revoked` column
                     shuts its device out. It holds every device's password: keep it off
                     the broker, readable by whoever provisions devices only.
  --password-file    Mosquitto's password file (PBKDF2-SHA512, as mosquitto_passwd writes):
                     the --include files' lines (platform bridges), then one line per device.
  --acl-file         the ACL for mqtt.topic_prefix, the gateway's user and each --bridge.

Devices with a dev_eui or platform_id (LoRaWAN, carrier platforms) get no account unless
--include-platform-devices: they never connect themselves. A device named like the gateway's
user or client ids, a bridge, or with ':' in its id, gets none either (exit status 1).
Then reload the broker (systemctl reload mosquitto): it disconnects revoked devices only.
See docs/deployment-broker.md.
"""


def _add_broker_users(registry_sub: Any) -> None:
    users = registry_sub.add_parser(
        "broker-users",
        help="Mosquitto password file (and ACL) for the registered devices",
        description=_BROKER_USERS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    config_arg(users)
    users.add_argument("--passwords", type=Path, required=True, help="the provisioning sheet (CSV)")
    users.add_argument(
        "--password-file", type=Path, help="Mosquitto password file to write (default: stdout)"
    )
    users.add_argument("--acl-file", type=Path, help="Mosquitto ACL file to write")
    users.add_argument(
        "--include",
        type=Path,
        action="append",
        default=[],
        help="password-file lines to copy in first: platform bridges (repeatable)",
    )
    users.add_argument(
        "--bridge",
        action="append",
        default=[],
        metavar="ADAPTER=USER",
        help="ACL: USER may write only {prefix}/vendor/ADAPTER/# (repeatable)",
    )
    users.add_argument("--gateway-user", help="the gateway's broker user (default: mqtt.username)")
    users.add_argument(
        "--no-generate",
        action="store_true",
        help="passwords come from the sheet only: a device without a row gets no account",
    )
    users.add_argument(
        "--include-platform-devices",
        action="store_true",
        help="accounts for devices with a dev_eui or platform_id too",
    )
    users.set_defaults(handler=_cmd_registry_broker_users)


def _cmd_registry_import(args: argparse.Namespace) -> int:
    from core.clock import SystemClock
    from gateway.audit import command_line
    from siteguard.registry_import import import_registry

    if args.buildings is None and args.devices is None and args.hazards is None:
        raise ConfigError("registry import: give --buildings, --devices and/or --hazards")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine = open_store(args)
    actor = command_line(getpass.getuser())
    ok = True
    if args.buildings is not None or args.devices is not None:
        report = import_registry(
            engine,
            buildings=args.buildings,
            devices=args.devices,
            clock=SystemClock(),
            actor=actor,
        )
        for error in report.errors:
            print(f"error: {error}", file=sys.stderr)
        bad = len(report.errors)
        print(f"imported: {report.created} created, {report.updated} updated, {bad} bad rows")
        ok = report.ok
    if args.hazards is not None:  # after the buildings: a hazard may name one just imported
        ok = _import_hazards(engine, args, actor) and ok
    engine.dispose()
    return 0 if ok else 1


def _import_hazards(engine: Any, args: argparse.Namespace, actor: Any) -> bool:
    from core.clock import SystemClock
    from core.ids import IdFactory
    from gateway.backlog import BacklogReport, csv_rows, import_backlog

    path: Path = args.hazards
    try:
        text = path.read_text(encoding="utf-8")
        rows = list(csv_rows(text))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc

    def in_transaction(work: Any) -> None:
        with engine.begin() as conn:
            work(conn)

    def progress(report: BacklogReport) -> None:
        print(f"hazards: {report.created + report.existing + len(report.errors)}/{len(rows)}")

    now = SystemClock().now_ms()
    report = import_backlog(
        in_transaction,
        iter(rows),
        config=load_settings(args.config).tickets,
        now_ms=now,
        actor=actor,
        audit_id=IdFactory().new(now),
        where=path.name,
        progress=progress,
    )
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    print(
        f"hazards: {report.created} created, {report.existing} already there, "
        f"{len(report.errors)} bad rows"
    )
    return not report.errors


def _cmd_registry_broker_users(args: argparse.Namespace) -> int:
    from siteguard.broker_users import Request, broker_users

    settings = load_settings(args.config)
    bridges = []
    for item in args.bridge:
        adapter, sep, user = item.partition("=")
        if not sep:
            raise ConfigError(f"--bridge {item}: expected ADAPTER=USER")
        bridges.append((adapter.strip(), user.strip()))
    request = Request(
        passwords=args.passwords,
        password_file=args.password_file,
        acl_file=args.acl_file,
        include=tuple(args.include),
        bridges=tuple(bridges),
        gateway_user=args.gateway_user or settings.mqtt.username or "siteguard-gateway",
        gateway_client_id=settings.mqtt.client_id,
        topic_prefix=settings.mqtt.topic_prefix,
        generate=not args.no_generate,
        include_platform=args.include_platform_devices,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine = open_store(args)
    try:
        outcome, text = broker_users(engine, request)
    finally:
        engine.dispose()
    if args.password_file is None:
        sys.stdout.write(text)
    for message in outcome.refused:
        print(f"error: {message}", file=sys.stderr)
    if outcome.unregistered:
        print(
            f"left out (in the sheet, not registered): {', '.join(outcome.unregistered)}",
            file=sys.stderr,
        )
    print(
        f"broker users: {len(outcome.accounts)} devices, {len(outcome.generated)} new passwords "
        f"(in {args.passwords}), {len(outcome.revoked)} revoked, "
        f"{outcome.platform_skipped} platform devices skipped, {len(outcome.refused)} refused",
        file=sys.stderr,
    )
    return 0 if outcome.ok else 1
