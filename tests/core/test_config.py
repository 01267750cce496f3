from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.config import ConfigError, load_settings
from siteguard.cli import main
from siteguard.config import load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "siteguard.toml"
    path.write_text(text)
    return path


def test_defaults_follow_the_contract() -> None:
    s = load_settings(None)
    assert s.mqtt.topic_prefix == "siteguard/v1"
    assert s.mqtt.client_id == "siteguard-gateway"
    assert s.database.url == "sqlite:///siteguard.db"
    assert s.influx.url == "" and s.influx.api == "v2" and s.influx.bucket == "siteguard"
    assert s.influx.database == "siteguard"
    assert (s.api.host, s.api.port) == ("127.0.0.1", 8000)
    assert s.devices.heartbeat_s.smoke == 86400
    assert s.devices.heartbeat_s.gas == 300
    assert s.devices.heartbeat_s.ebike == 60
    assert s.devices.offline_after_missed == 3
    assert s.devices.auto_register is True
    assert s.devices.lease_ms("gas") == 900_000


def test_file_values_and_nested_environment_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        '[mqtt]\nurl = "mqtt://broker:1883"\nclient_id = "a"\n[devices.heartbeat_s]\ngas = 60\n',
    )
    monkeypatch.setenv("SITEGUARD_MQTT__CLIENT_ID", "from-env")
    monkeypatch.setenv("SITEGUARD_DEVICES__HEARTBEAT_S__SMOKE", "3600")
    s = load_settings(path)
    assert s.mqtt.url == "mqtt://broker:1883"
    assert s.mqtt.client_id == "from-env"
    assert s.devices.heartbeat_s.gas == 60
    assert s.devices.heartbeat_s.smoke == 3600
    assert (s.mqtt.host, s.mqtt.port, s.mqtt.tls) == ("broker", 1883, False)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[mqtt]\nurll = "mqtt://x:1"\n', "mqtt.urll: unknown key"),
        ("[mqttt]\n", "mqttt: unknown key"),
        ("[devices.heartbeat_s]\nfridge = 5\n", "devices.heartbeat_s.fridge: unknown key"),
        ('[mqtt]\nurl = "http://x"\n', "mqtt.url: must be mqtt://host:port"),
        ('[influx]\napi = "v3"\n', "influx.api"),
        ("[api]\nport = 70000\n", "api.port"),
        ('[database]\nurl = "mysql://x"\n', "database.url"),
        ('timezone = "Mars/Olympus"\n', "timezone: unknown time zone"),
    ],
)
def test_bad_files_name_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_settings(write(tmp_path, text))


def test_unknown_environment_keys_are_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEGUARD_MQTT__URLL", "x")
    monkeypatch.setenv("SITEGUARD_FRIDGE", "1")
    with pytest.raises(ConfigError) as err:
        load_settings(None)
    assert "mqtt.urll: unknown key" in str(err.value)
    assert "SITEGUARD_FRIDGE: unknown key 'fridge'" in str(err.value)


def test_secrets_are_not_echoed_in_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, '[mqtt]\npassword = ["hunter2"]\n'))
    assert "mqtt.password" in str(err.value)
    assert "hunter2" not in str(err.value)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[mqtt\n"))
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, '[mqtt]\nurl = "mqtts://broker.example:8883"\n')
    assert main(["check-config", "--config", str(good)]) == 0
    assert "configuration OK" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('[mqtt]\nurl = "mqtt://x:1"\nkeepalive_s = "soon"\n')
    assert main(["check-config", "--config", str(bad)]) == 2
    assert "mqtt.keepalive_s" in capsys.readouterr().err
    missing_url = tmp_path / "nourl.toml"
    missing_url.write_text("[api]\nport = 8080\n")
    assert main(["check-config", "--config", str(missing_url)]) == 2
    assert "mqtt.url: required" in capsys.readouterr().err


def test_configuration_reference_is_up_to_date() -> None:
    from siteguard.config_doc import render

    page = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    assert page.read_text() == render(), (
        "run: python -m siteguard.config_doc > docs/configuration.md"
    )


def test_shipped_example_configuration_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).resolve().parents[2] / "deploy" / "siteguard.example.toml"
    assert main(["check-config", "--config", str(example)]) == 0
    assert "configuration OK" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        # A mistyped channel type: the channel (its secret, its token URL) is never printed.
        (
            '[notify.channels.duty]\ntype = "wecomm"\nsecret = "SEC-abc"\n'
            'url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY-123"\n',
            ["SEC-abc", "KEY-123"],
        ),
        ('[database]\nurl = "postgresqlx://sg:hunter2@db/sg"\n', ["hunter2"]),
        ('[database]\nurl = "postgresql://sg:hunter2@db:port/sg"\n', ["hunter2"]),
        ('[mqtt]\nurl = "mqtt://gw:s3cret@broker:nope"\n', ["s3cret"]),
        ('[tickets]\nexport_url = "ftp://u:pw9@x/?token=T0K"\n', ["pw9", "T0K"]),
    ],
)
def test_config_errors_never_echo_a_secret(tmp_path: Path, text: str, secrets: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))  # with the channels checked by their plugins
    said = str(err.value)
    assert "invalid configuration" in said
    for secret in secrets:
        assert secret not in said


def test_an_smtp_password_is_never_sent_in_clear(tmp_path: Path) -> None:
    text = (
        '[notify.channels.mail]\ntype = "email"\nhost = "smtp.example"\nsecurity = "none"\n'
        'username = "u"\npassword = "pw"\nsender = "a@example"\nto = ["b@example"]\n'
    )
    with pytest.raises(ConfigError, match="unencrypted"):
        load_config(write(tmp_path, text))


def test_the_admin_token_is_at_least_24_characters(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"auth\.admin_token") as err:
        load_settings(write(tmp_path, '[auth]\nadmin_token = "short-token"\n'))
    assert "short-token" not in str(err.value)
    long = load_settings(write(tmp_path, '[auth]\nadmin_token = "a-long-enough-admin-token-1"\n'))
    assert long.auth.admin_token is not None


def test_check_config_and_run_agree_on_what_run_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from siteguard.app import Service

    # One place decides: the configuration's own ``run_problems``.
    no_broker = load_settings(write(tmp_path, "[api]\nport = 8080\n"))
    needed = "mqtt.url: required for `siteguard run` (mqtt://host:port)"
    assert no_broker.run_problems() == [needed]
    with pytest.raises(ConfigError, match=re.escape(needed)):
        Service(settings=no_broker)
    assert main(["check-config", "--config", str(tmp_path / "siteguard.toml")]) == 2
    assert needed in capsys.readouterr().err

    # A v2 InfluxDB without an organisation: the sink writes to "-", and both accept it.
    v2 = write(
        tmp_path,
        '[mqtt]\nurl = "mqtt://broker:1883"\n'
        '[influx]\nurl = "http://influx:8086"\napi = "v2"\ntoken = "t"\n',
    )
    settings = load_settings(v2)
    assert settings.run_problems() == []
    assert settings.influx.write_org == "-"
    Service(settings=settings)
    assert main(["check-config", "--config", str(v2)]) == 0
    assert "configuration OK" in capsys.readouterr().out
    named = load_settings(write(tmp_path, '[influx]\nurl = "http://influx:8086"\norg = "site"\n'))
    assert named.influx.write_org == "site"


def test_ha_needs_postgresql_and_derives_its_timings_from_the_takeover_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    on_sqlite = load_settings(
        write(tmp_path, '[mqtt]\nurl = "mqtt://b:1883"\n[ha]\nenabled = true\n')
    )
    [problem] = on_sqlite.run_problems()
    assert problem.startswith("ha.enabled: needs PostgreSQL")
    assert main(["check-config", "--config", str(tmp_path / "siteguard.toml")]) == 2
    assert "ha.enabled: needs PostgreSQL" in capsys.readouterr().err

    s = load_settings(
        write(
            tmp_path,
            '[mqtt]\nurl = "mqtt://b:1883"\n[database]\nurl = "postgresql://u@h/db"\n'
            "[ha]\nenabled = true\ntakeover_s = 10\n",
        )
    )
    assert s.run_problems() == []
    # Expiry, a poll and the new active's start-up all fit in the budget.
    assert (s.ha.lease_s, s.ha.renew_s, s.ha.poll_s) == (5.0, 1.25, 1.0)
    with pytest.raises(ConfigError, match=r"ha\.takeover_s"):
        load_settings(write(tmp_path, "[ha]\ntakeover_s = 0.5\n"))
