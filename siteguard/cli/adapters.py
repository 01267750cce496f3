"""``siteguard adapters try``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add(sub: Any) -> None:
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
