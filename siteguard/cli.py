"""The ``siteguard`` command."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from core.config import ConfigError, load_settings
from simulators.formats import FORMATS

log = logging.getLogger("siteguard")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"siteguard: {exc}", file=sys.stderr)
        return 2
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="siteguard", description="Building-safety IoT gateway (smoke, gas, e-bike blockers)."
    )
    sub = parser.add_subparsers(title="commands")

    run = sub.add_parser("run", help="run the gateway and the API")
    _config_arg(run)
    run.set_defaults(handler=_cmd_run)

    check = sub.add_parser("check-config", help="validate a configuration file and exit")
    _config_arg(check)
    check.set_defaults(handler=_cmd_check_config)

    token = sub.add_parser("token", help="API tokens").add_subparsers(title="token commands")
    create = token.add_parser("create", help="create a token (printed once; stored hashed)")
    _config_arg(create)
    create.add_argument("--name", required=True, help="who or what holds it")
    create.add_argument("--role", required=True, choices=("admin", "duty", "manager"))
    create.add_argument(
        "--building",
        action="append",
        default=None,
        help="managers: a building in scope (repeat for several)",
    )
    create.add_argument(
        "--expires-in-days", type=int, default=None, help="the token stops working after this"
    )
    create.set_defaults(handler=_cmd_token_create)

    registry = sub.add_parser("registry", help="the building and device registry")
    registry_sub = registry.add_subparsers(title="registry commands")
    importer = registry_sub.add_parser("import", help="buildings and devices from CSV files")
    _config_arg(importer)
    importer.add_argument("--buildings", type=Path, help="CSV: building_id,name,community,...")
    importer.add_argument("--devices", type=Path, help="CSV: device_id,device_type,building_id,...")
    importer.set_defaults(handler=_cmd_registry_import)
    _add_broker_users(registry_sub)

    _add_report(sub)
    _add_simulate(sub)
    _add_adapters(sub)

    demo = sub.add_parser("demo", help="everything embedded, with simulated buildings")
    demo.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    demo.add_argument("--workdir", type=Path, default=Path("demo-data"), help="working folder")
    demo.add_argument("--port", type=int, default=8000, help="API/console port (0: any free one)")
    demo.set_defaults(handler=_cmd_demo)
    return parser


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
    _config_arg(users)
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


def _add_report(sub: Any) -> None:
    report = sub.add_parser("report", help="early-warning statistics")
    report_sub = report.add_subparsers(title="report commands")
    monthly = report_sub.add_parser(
        "monthly", help="a month's (or --quarter's, --year's) report, as JSON, CSV or HTML"
    )
    _config_arg(monthly)
    period = monthly.add_mutually_exclusive_group(required=True)
    period.add_argument("--month", help="YYYY-MM (local time)")
    period.add_argument("--quarter", help="YYYY-Qn: the same figures over a quarter")
    period.add_argument("--year", help="YYYY: the same figures over a year")
    monthly.add_argument(
        "--building", action="append", help="only this building (repeat for several)"
    )
    monthly.add_argument("--format", choices=("json", "csv", "html"), default="html")
    monthly.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    monthly.set_defaults(handler=_cmd_report)


def _add_adapters(sub: Any) -> None:
    adapters = sub.add_parser("adapters", help="vendor formats and product models")
    adapters_sub = adapters.add_subparsers(title="adapters commands")
    trial = adapters_sub.add_parser(
        "try", help="what a payload decodes to (events, rejections), without a broker"
    )
    trial.add_argument("--adapter", required=True, help="ctwing, onenet, iotda, aliyun, ...")
    trial.add_argument("--model", type=Path, help="a product model file to read it with")
    trial.add_argument("--models-dir", type=Path, help="a site's product models as well")
    trial.add_argument("--device-type", choices=("smoke", "gas", "ebike"))
    trial.add_argument("--topic", help="the MQTT topic it came on (default: the adapter's)")
    trial.add_argument("payload", help="the payload: JSON text, @FILE, or - for stdin")
    trial.set_defaults(handler=_cmd_adapters_try)


def _cmd_adapters_try(args: argparse.Namespace) -> int:
    from adapters.models import ModelError
    from adapters.tryout import try_payload

    if args.payload == "-":
        payload = sys.stdin.buffer.read()
    elif args.payload.startswith("@"):
        payload = Path(args.payload[1:]).read_bytes()
    else:
        payload = args.payload.encode()
    try:
        lines = try_payload(
            adapter=args.adapter,
            payload=payload,
            model_file=args.model,
            models_dir=args.models_dir,
            device_type=args.device_type,
            topic=args.topic,
        )
    except ModelError as exc:
        print(f"siteguard: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 1 if lines and lines[-1].startswith("error:") else 0


def _add_simulate(sub: Any) -> None:
    simulate = sub.add_parser(
        "simulate", help="device simulators against any broker: a scenario, or load"
    )
    simulate.add_argument("--broker", help="mqtt://host:port (required unless --list)")
    simulate.add_argument("--username")
    simulate.add_argument("--password")
    simulate.add_argument(
        "--ca-file", type=Path, default=None, help="the CA of an mqtts:// broker (a site's own)"
    )
    simulate.add_argument("--list", action="store_true", help="list the built-in scenarios")
    simulate.add_argument("--scenario", help="a built-in scenario's name, or a TOML file")
    simulate.add_argument("--tag", help="prefix for the scenario's building and device ids")
    simulate.add_argument("--check", metavar="API_URL", help="then check its expectations")
    simulate.add_argument("--token", help="bearer token for --check and --api (admin)")
    simulate.add_argument(
        "--format",
        default="canonical",
        choices=FORMATS,
        help="scenario messages as a vendor says them (mixed: a format per device)",
    )
    simulate.add_argument(
        "--transport",
        choices=("mqtt", "http"),
        default="mqtt",
        help="vendor messages on {prefix}/vendor/<adapter>/#, or POSTed to /api/v1/ingest",
    )
    simulate.add_argument(
        "--api", metavar="API_URL", help="registers vendor-format devices; takes HTTP pushes"
    )
    simulate.add_argument("--push-secret", help="adapters.<name>.secret for --transport http")
    simulate.add_argument("--onenet-token", help="adapters.onenet.token: signs OneNET pushes")
    simulate.add_argument("--buildings", type=int, help="load mode: buildings")
    simulate.add_argument("--devices-per-building", type=int, default=25)
    simulate.add_argument("--rate", type=float, default=100.0, help="load mode: messages/s")
    simulate.add_argument("--duration", type=float, default=60.0, help="load mode: seconds")
    simulate.add_argument("--qos", type=int, choices=(0, 1), default=0, help="load mode QoS")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.set_defaults(handler=_cmd_simulate)


def _config_arg(parser: argparse.ArgumentParser) -> None:
    default = os.environ.get("SITEGUARD_CONFIG")
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(default) if default else None,
        help="TOML configuration file (default: $SITEGUARD_CONFIG; environment overrides it)",
    )


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("gmqtt").setLevel(logging.ERROR)
    logging.getLogger("amqtt").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)


def _cmd_check_config(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    problems = []
    if not settings.mqtt.url:
        problems.append("mqtt.url: required for `siteguard run` (mqtt://host:port)")
    if settings.influx.url and settings.influx.api == "v2" and not settings.influx.org:
        problems.append("influx.org: required for influx.api = 'v2'")
    from adapters.models import ModelError, ModelLibrary

    try:
        models = ModelLibrary.load(settings.adapters.models_dir)
    except ModelError as exc:
        problems.append(f"adapters.models_dir: {exc}")
    else:
        print(f"product models: {', '.join(models.ids())}")
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    print(f"configuration OK{f' ({args.config})' if args.config else ''}")
    return 0


def _open_store(args: argparse.Namespace) -> Any:
    from gateway.store.db import create_engine
    from gateway.store.migrate import upgrade

    settings = load_settings(args.config)
    engine = create_engine(settings.database.url)
    upgrade(engine)
    return engine


def _cmd_report(args: argparse.Namespace) -> int:
    import time

    from reports import Period, PeriodError, build_report
    from reports.render import render
    from reports.report import settings_from

    settings = load_settings(args.config)
    try:
        period = Period.parse(args.month or args.quarter or args.year, timezone=settings.timezone)
    except PeriodError as exc:
        raise ConfigError(f"report: {exc}") from exc
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine = _open_store(args)
    started = time.monotonic()

    def progress(step: str) -> None:
        print(f"  {step}", file=sys.stderr, flush=True)

    print(f"report {period.label} ({period.label_zh})", file=sys.stderr)
    with engine.connect() as conn:
        report = build_report(
            conn,
            period,
            settings=settings_from(settings),
            now_ms=int(time.time() * 1000),
            buildings=args.building,
            progress=progress,
        )
    engine.dispose()
    body = render(report, args.format)
    if args.output:
        args.output.write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
    print(
        f"done in {time.monotonic() - started:.1f} s: {len(report.buildings)} buildings, "
        f"{len(report.warnings)} early warnings"
        + (f", written to {args.output}" if args.output else ""),
        file=sys.stderr,
    )
    return 0


def _cmd_token_create(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from api.auth import new_token
    from api.routers.tokens import created_entry, token_row
    from core.clock import SystemClock
    from core.ids import IdFactory
    from gateway.audit import command_line, record
    from gateway.store import schema

    if args.role != "manager" and args.building:
        raise ConfigError("--building: only manager tokens have a building scope")
    days = args.expires_in_days
    if days is not None and not 1 <= days <= 3650:
        raise ConfigError("--expires-in-days: 1 to 3650")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine = _open_store(args)
    now = SystemClock().now_ms()
    token = new_token()
    ids = IdFactory()
    actor = command_line(getpass.getuser())
    row = token_row(
        token_id=ids.new(now),
        name=args.name,
        role=args.role,
        buildings=(args.building or []) if args.role == "manager" else None,
        token=token,
        by=actor.name,
        now=now,
        expires_ms=None if days is None else now + days * 86_400_000,
    )
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.tokens), row)
        record(conn, created_entry(ids.new(now), now, actor, row))
    engine.dispose()
    print(token)
    print(
        f"{args.role} token {row['id']} for {args.name!r} (shown once; stored hashed)",
        file=sys.stderr,
    )
    return 0


def _cmd_registry_import(args: argparse.Namespace) -> int:
    from core.clock import SystemClock
    from gateway.audit import command_line
    from siteguard.registry_import import import_registry

    if args.buildings is None and args.devices is None:
        raise ConfigError("registry import: give --buildings and/or --devices")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine = _open_store(args)
    report = import_registry(
        engine,
        buildings=args.buildings,
        devices=args.devices,
        clock=SystemClock(),
        actor=command_line(getpass.getuser()),
    )
    engine.dispose()
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    bad = len(report.errors)
    print(f"imported: {report.created} created, {report.updated} updated, {bad} bad rows")
    return 0 if report.ok else 1


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
    engine = _open_store(args)
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


def _cmd_simulate(args: argparse.Namespace) -> int:
    from simulators.run import simulate

    return simulate(args)


def _cmd_run(args: argparse.Namespace) -> int:
    from siteguard.app import Service

    settings = load_settings(args.config)
    setup_logging(settings.log.level)
    service = Service(settings=settings)
    return run_until_signalled(service.run)


def _cmd_demo(args: argparse.Namespace) -> int:
    from siteguard.demo import run_demo

    setup_logging("INFO")
    return run_until_signalled(
        lambda stop: run_demo(stop, workdir=args.workdir, port=args.port, duration=args.duration)
    )


def run_until_signalled(main: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    """Run ``main(stop_event)`` on a fresh loop; SIGTERM/SIGINT set the event, twice forces exit."""

    async def runner() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def on_signal(signum: int) -> None:
            if stop.is_set():
                log.error("second %s: exiting at once", signal.Signals(signum).name)
                os._exit(1)
            log.info("%s received", signal.Signals(signum).name)
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal, signum)
        await main(stop)

    asyncio.run(runner())
    return 0
