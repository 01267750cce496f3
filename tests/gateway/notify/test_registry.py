"""Notifier plugins: a new channel type is one file's worth of code (a configuration class, a
notifier, a ``NotifierPlugin``), and the configuration, the factory and the dispatcher take it
with no other edit. Tables the plugins refuse stop loading with the key named."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import Field, SecretStr

from alerting.model import Alarm
from core.config import ConfigError, load_settings
from gateway.metrics import Metrics
from gateway.notification import Notification
from gateway.notify import text
from gateway.notify.channel import ChannelBase, ChannelNotifier
from gateway.notify.dispatcher import Dispatcher
from gateway.notify.factory import create_notifiers
from gateway.notify.fake import FakeNotifiers
from gateway.notify.plugin import NotifierPlugin
from gateway.notify.registry import NotifierRegistry, default_registry
from gateway.notify.routing import Router
from gateway.notify.timer import FakeTimer
from gateway.store.writer import StoreWriter
from siteguard.cli import main
from siteguard.config import load_config

# ---- a new notifier, as its own file under gateway/notify/ would declare it -------------


class PagerChannel(ChannelBase):
    type: Literal["pager"]
    number: str = Field(pattern=r"^\d{4,12}$", description="the pager's number")
    pin: SecretStr = Field(description="the paging service's PIN")
    rate_limit_per_min: int | None = Field(default=6, ge=1, description="messages a minute")


class PagerNotifier(ChannelNotifier[PagerChannel]):
    """Pages ``number`` with the title; a real one would call the paging service here."""

    def __init__(self, *, inbox: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.inbox = inbox

    async def send(self, notification: Notification) -> None:
        self.inbox.append(f"{self._config.number}: {text.title(notification, self._describe)}")


def pager_plugin(inbox: list[str]) -> NotifierPlugin[PagerChannel]:
    def build(*, name: str, config: PagerChannel, describe: text.Describe | None) -> PagerNotifier:
        return PagerNotifier(inbox=inbox, name=name, config=config, describe=describe)

    return NotifierPlugin(type="pager", config=PagerChannel, build=build)


# ------------------------------------------------------------------------------------------

FIRE = Notification(
    id="N1", reason="opened", created_ms=0,
    alarm=Alarm(
        id="A1", kind="fire", severity="critical", status="active", building_id="JT01",
        device_id="JT01-SM01", device_ids=("JT01-SM01",), opened_ms=0, updated_ms=0,
    ),
)  # fmt: skip

PAGER_CONFIG = """\
[mqtt]
url = "mqtt://broker.example:1883"

[notify.channels.night_pager]
type = "pager"
number = "13800000001"
pin = "4711"

[[notify.routes]]
channels = ["night_pager"]
min_severity = "critical"
"""


def write(tmp_path: Path, config: str) -> Path:
    path = tmp_path / "siteguard.toml"
    path.write_text(config)
    return path


def test_a_new_notifier_from_configuration_to_delivery(tmp_path: Path, store: StoreWriter) -> None:
    inbox: list[str] = []
    registry = default_registry().with_plugins(pager_plugin(inbox))
    settings = load_config(write(tmp_path, PAGER_CONFIG), notifiers=registry)
    notifiers = create_notifiers(settings.notify, lambda _: "金泰里1号楼", registry=registry)
    assert sorted(notifiers) == ["log", "night_pager"]
    pager = notifiers["night_pager"]
    assert (pager.rate_limit_per_min, pager.retries) == (6, 3)  # its default, the common one

    async def deliver() -> None:
        timer = FakeTimer()
        dispatcher = Dispatcher(
            notifiers=notifiers, router=Router(settings.notify.routes), store=store,
            metrics=Metrics(), clock=timer.clock, timer=timer,
        )  # fmt: skip
        task = asyncio.create_task(dispatcher.run())
        dispatcher.enqueue([FIRE])
        async with asyncio.timeout(60):  # a guard against a hang, not a measure
            await timer.idle(len(notifiers))
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(deliver())
    assert inbox == ["13800000001: 【严重·新报警】火警确认 · 金泰里1号楼（JT01）"]


def test_the_new_type_is_checked_by_its_own_class(tmp_path: Path) -> None:
    registry = default_registry().with_plugins(pager_plugin([]))
    bad = PAGER_CONFIG.replace('number = "13800000001"', 'number = "call me"')
    bad = bad.replace('pin = "4711"', "")
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, bad), notifiers=registry)
    said = str(err.value)
    assert "notify.channels.night_pager.number: String should match pattern" in said
    assert "notify.channels.night_pager.pin: Field required" in said


def test_an_unknown_type_is_refused_naming_the_key_and_the_known_types(tmp_path: Path) -> None:
    path = write(tmp_path, PAGER_CONFIG)  # the built-in registry has no pager
    with pytest.raises(ConfigError) as err:
        load_config(path)
    said = str(err.value)
    assert f"invalid configuration in {path}" in said
    assert (
        "notify.channels.night_pager.type: unknown channel type 'pager' "
        "(known: dingtalk, email, feishu, webhook, wecom)"
    ) in said
    assert "4711" not in said and "13800000001" not in said
    # Core alone cannot know the plugins: it takes the table as written.
    assert load_settings(path).notify.channels["night_pager"].type == "pager"
    assert "4711" not in repr(load_settings(path))


def test_check_config_and_run_refuse_a_bad_channel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        '[mqtt]\nurl = "mqtt://broker.example:1883"\n'
        '[notify.channels.duty]\ntype = "dingtalk"\nsecret = "SEC-abc"\n',
    )
    for command in ("check-config", "run"):
        assert main([command, "--config", str(path)]) == 2
        said = capsys.readouterr().err
        assert "notify.channels.duty.url: Field required" in said
        assert "SEC-abc" not in said


def test_routes_are_still_checked_against_channel_names(tmp_path: Path) -> None:
    config = PAGER_CONFIG.replace('channels = ["night_pager"]', 'channels = ["day_pager"]')
    with pytest.raises(ConfigError, match=r"notify: .*routes\[0\]: unknown channel 'day_pager'"):
        load_config(write(tmp_path, config), notifiers=default_registry())


def test_a_channel_key_from_the_environment_is_checked_and_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        '[notify.channels.mail]\ntype = "email"\nhost = "smtp.example"\nsender = "a@example"\n'
        'to = ["b@example"]\n',
    )
    monkeypatch.setenv("SITEGUARD_NOTIFY__CHANNELS__MAIL__TO", '["duty@example", "c@example"]')
    monkeypatch.setenv("SITEGUARD_NOTIFY__CHANNELS__MAIL__PORT", "465")
    notifiers = create_notifiers(load_config(path).notify)
    config: Any = notifiers["mail"]._config  # type: ignore[attr-defined]
    assert (config.to, config.port) == (["duty@example", "c@example"], 465)
    monkeypatch.setenv("SITEGUARD_NOTIFY__CHANNELS__MAIL__PORT", "smtp")
    with pytest.raises(ConfigError, match=r"notify\.channels\.mail\.port"):
        load_config(path)


def test_fake_channels_are_for_tests_only(tmp_path: Path) -> None:
    config = '[notify.channels.duty]\ntype = "fake"\nfail_first = 2\nretries = 5\n'
    path = write(tmp_path, config)
    with pytest.raises(ConfigError, match="unknown channel type 'fake'"):
        load_config(path)
    fakes = FakeNotifiers()
    registry = default_registry().with_plugins(fakes.plugin)
    notifiers = create_notifiers(load_config(path, notifiers=registry).notify, registry=registry)
    assert notifiers["duty"] is fakes["duty"] and fakes["duty"].retries == 5


def test_a_plugin_must_say_the_type_its_class_accepts() -> None:
    with pytest.raises(ValueError, match=r"PagerChannel\.type must be Literal\['beeper'\]"):
        NotifierPlugin(type="beeper", config=PagerChannel, build=pager_plugin([]).build)
    with pytest.raises(ValueError, match="two notifier plugins of type 'pager'"):
        NotifierRegistry([pager_plugin([]), pager_plugin([])])
