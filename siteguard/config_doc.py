"""The configuration reference, generated from the models so that it cannot drift.

``python -m siteguard.config_doc > docs/configuration.md`` rewrites the page; a test fails
when the page and the models disagree.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from core.config import Route, Settings
from gateway.notify.registry import NotifierRegistry, default_registry

INTRO = """# Configuration reference

One TOML file (`--config PATH`, or `$SITEGUARD_CONFIG`). Every key can be overridden by an
environment variable: prefix `SITEGUARD_`, `__` between levels, e.g.
`SITEGUARD_MQTT__URL=mqtts://broker:8883` or `SITEGUARD_DEVICES__HEARTBEAT_S__GAS=600`.
Unknown keys and bad values stop start-up with a message that names the key;
`siteguard check-config --config FILE` checks a file without starting anything.
Secrets (`mqtt.password`, `influx.token`, `influx.password`, `auth.admin_token`) are better
given in the environment than in the file, and are never logged.

This page is generated (`python -m siteguard.config_doc`) from `core/config/` and, for the
notification channels, from the notifier plugins (`gateway/notify/registry.py`).
"""


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value: Any = field.get_default(call_default_factory=True)
    if value is None:
        return "none"
    if isinstance(value, SecretStr):
        return "(secret)"
    if isinstance(value, BaseModel):
        return "see below"
    if isinstance(value, str) and value == "":
        return "empty"
    return f"`{value}`"


def _type(field: FieldInfo) -> str:
    text = str(field.annotation).replace("typing.", "").replace("pathlib.", "")
    text = text.replace("<class '", "").replace("'>", "").replace("pydantic.types.", "")
    text = re.sub(r"Annotated\[(.*), FieldInfo\(.*\)\]", r"\1", text)
    text = re.sub(r"\b(?:core|gateway)\.[\w.]+\.(\w+)", r"\1", text)
    text = text.replace("Literal", "one of ").replace("NoneType", "none")
    return text.replace(" | ", " or ").replace("|", "or")


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    nested = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            nested.append((f"{prefix}{name}", annotation))
            continue
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{prefix}{name}` | {_type(field)} | {_default(field)} | {description} |")
    out = []
    if rows:
        out += ["| key | type | default | meaning |", "|---|---|---|---|", *rows, ""]
    for path, sub in nested:
        out += [f"## `[{path}]`", "", *_rows(sub, path + ".")]
    return out


def render(notifiers: NotifierRegistry | None = None) -> str:
    """The page; ``notifiers``: whose channel types it documents (the built-in ones)."""
    lines = [INTRO, "## Top level", "", *_rows(Settings, "")]
    lines += [
        "## Notification channels (`[notify.channels.<name>]`)",
        "",
        "Each channel is a table named by you and typed by `type`; routes refer to the names.",
        "",
    ]
    for plugin in (notifiers or default_registry()).plugins:
        lines += [f'### `type = "{plugin.type}"`', "", *_rows(plugin.config, "")]
    lines += ["## Notification routes (`[[notify.routes]]`)", "", *_rows(Route, "")]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
