"""``siteguard simulate``: a scenario (optionally checked against the API), or load."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

import httpx

from simulators.check import wait
from simulators.formats import convert
from simulators.load import load_messages
from simulators.publish import Publisher
from simulators.push import HttpPusher, PushError
from simulators.register import register_devices
from simulators.scenario import Scenario, ScenarioError, builtin, builtin_names, load


def simulate(args: argparse.Namespace) -> int:
    if args.list:
        for name in builtin_names():
            print(f"{name:32s} {builtin(name).description}")
        return 0
    if not args.broker:
        print("simulate: --broker is required", file=sys.stderr)
        return 2
    if args.scenario:
        return _scenario(args)
    if args.buildings:
        return _load(args)
    print("simulate: give --scenario NAME|FILE, or --buildings N for load mode", file=sys.stderr)
    return 2


def _publisher(args: argparse.Namespace, name: str) -> Publisher:
    return Publisher(
        args.broker,
        client_id=f"siteguard-sim-{name}-{uuid.uuid4().hex[:6]}",
        username=args.username,
        password=args.password,
        ca_file=args.ca_file,
    )


def _scenario(args: argparse.Namespace) -> int:
    try:
        path = Path(args.scenario)
        scenario: Scenario = load(path) if path.suffix == ".toml" else builtin(args.scenario)
    except ScenarioError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    tag = args.tag or f"{scenario.name[:8]}-{uuid.uuid4().hex[:6]}"
    messages = scenario.messages(tag=tag)
    api_url = args.api or args.check
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    print(f"{scenario.name}: {scenario.description}")
    if args.format != "canonical":
        if api_url and args.token:
            with httpx.Client(base_url=api_url, headers=headers, timeout=30) as api:
                count = register_devices(api, messages, args.format)
            print(f"registered {count} devices for the {args.format} format")
        else:
            print("no --api and --token: the gateway will hold these devices as pending")
        messages = list(convert(messages, args.format, origin_wall_ms=int(time.time() * 1000)))
    print(
        f"sending {len(messages)} messages over {scenario.duration_s:.1f} s as {tag!r} "
        f"({args.format}, {args.transport})"
    )
    with _publisher(args, "scenario") as publisher:
        if args.transport == "http":
            if not api_url:
                print("simulate: --transport http needs --api (or --check)", file=sys.stderr)
                return 2
            pusher = HttpPusher(
                api_url, secret=args.push_secret, onenet_token=args.onenet_token, mqtt=publisher
            )
            with pusher:
                try:
                    pusher.run(messages)
                except PushError as exc:
                    print(f"simulate: {exc}", file=sys.stderr)
                    return 1
        else:
            publisher.run(messages)
    if not args.check:
        return 0
    with httpx.Client(base_url=args.check, headers=headers, timeout=10) as api:
        problems = wait(scenario, tag=tag, api=api)
    for problem in problems:
        print(f"FAIL {problem}")
    print("OK: every expectation holds" if not problems else f"{len(problems)} expectations failed")
    return 0 if not problems else 1


def _load(args: argparse.Namespace) -> int:
    devices = args.buildings * args.devices_per_building
    print(
        f"load: {args.rate:.0f} msg/s for {args.duration:.0f} s from {devices} devices "
        f"in {args.buildings} buildings (QoS {args.qos}, seed {args.seed})",
        flush=True,
    )

    def progress(sent: int, elapsed: float) -> None:
        print(f"  {elapsed:6.0f} s  {sent:10d} sent  {sent / elapsed:8.0f} msg/s", flush=True)

    messages = load_messages(
        buildings=args.buildings,
        per_building=args.devices_per_building,
        rate=args.rate,
        duration_s=args.duration,
        seed=args.seed,
        qos=args.qos,
    )
    started = time.monotonic()
    with _publisher(args, "load") as publisher:
        sent = publisher.run(messages, progress=progress)
    elapsed = time.monotonic() - started
    print(f"done: {sent} messages in {elapsed:.1f} s ({sent / elapsed:.0f} msg/s)", flush=True)
    return 0
