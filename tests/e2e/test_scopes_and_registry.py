"""Who sees what, on every endpoint; and the registry, by API and by CSV import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GatewayFactory
from tests.support.gateway import Gateway
from tests.support.mqtt import Publisher, topic
from tests.support.servers import Mosquitto, wait_for

UNKNOWN_DEVICE = 'siteguard_messages_rejected_total{reason="unknown_device"}'


def make_token(gateway: Gateway, role: str, buildings: list[str] | None = None) -> str:
    body: dict[str, Any] = {"name": f"{role}-{buildings}", "role": role}
    if buildings is not None:
        body["buildings"] = buildings
    response = gateway.call("POST", "/api/v1/tokens", json=body)
    assert response.status_code == 201, response.text
    value: str = response.json()["token"]
    return value


@pytest.mark.services
def test_scope_matrix(mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    a, b = f"{building}-A", f"{building}-B"
    for x in (a, b):
        assert gateway.call("PUT", f"/api/v1/buildings/{x}", json={"name": x}).status_code == 201
        assert (
            gateway.call(
                "PUT", f"/api/v1/devices/{x}-s1", json={"device_type": "smoke", "building_id": x}
            ).status_code
            == 201
        )
    with Publisher(mosquitto.url) as pub:
        for x in (a, b):
            pub.publish(topic(x, "smoke", f"{x}-s1"), {"type": "alarm"})
            pub.publish(topic(x, "smoke", f"{x}-s2"), {"type": "alarm"})
    wait_for(
        lambda: gateway.get("/api/v1/tickets", category="fire")["total"] >= 2,
        timeout=10,
        what="tickets",
    )
    alarm = {
        x: gateway.get("/api/v1/alarms", building=x, kind="fire")["items"][0]["id"] for x in (a, b)
    }
    ticket = {x: gateway.get("/api/v1/tickets", building=x)["items"][0]["id"] for x in (a, b)}

    tokens = {
        "admin": None,  # the config's admin token
        "duty": make_token(gateway, "duty"),
        "manager-A": make_token(gateway, "manager", [a]),
        "manager-none": make_token(gateway, "manager", []),
    }

    def status(who: str | None, method: str, path: str, **kwargs: Any) -> int:
        if who is None:
            return gateway.call(method, path, token=None, **kwargs).status_code
        chosen = tokens[who]
        response = (
            gateway.call(method, path, **kwargs)
            if chosen is None
            else gateway.call(method, path, token=chosen, **kwargs)
        )
        return response.status_code

    def ids(who: str, path: str, key: str, **params: Any) -> set[str]:
        chosen = tokens[who]
        response = (
            gateway.call("GET", path, params=params)
            if chosen is None
            else gateway.call("GET", path, token=chosen, params=params)
        )
        assert response.status_code == 200, response.text
        return {item[key] for item in response.json()["items"]}

    # Lists: each sees its own; a manager of nothing sees nothing.
    lists = [
        ("/api/v1/buildings", "building_id"),
        ("/api/v1/devices", "building_id"),
        ("/api/v1/alarms", "building_id"),
        ("/api/v1/tickets", "building_id"),
    ]
    for path, key in lists:
        for who in ("admin", "duty"):
            assert {a, b} <= ids(who, path, key), (who, path)
        assert ids("manager-A", path, key) == {a}, path
        if path != "/api/v1/buildings":  # the only list without a building filter
            assert ids("manager-A", path, key, building=b) == set(), path
        assert ids("manager-none", path, key) == set(), path

    # Single resources: another building's is 404 for a manager.
    for x, expected in ((a, 200), (b, 404)):
        for path in (
            f"/api/v1/buildings/{x}",
            f"/api/v1/devices/{x}-s1",
            f"/api/v1/alarms/{alarm[x]}",
            f"/api/v1/tickets/{ticket[x]}",
        ):
            assert status("manager-A", "GET", path) == expected, path
            assert status("manager-none", "GET", path) == 404, path
            assert status("duty", "GET", path) == 200, path
            assert status("admin", "GET", path) == 200, path

    # What a manager may not do at all: 403, whichever building.
    for x in (a, b):
        assert (
            status("manager-A", "POST", f"/api/v1/alarms/{alarm[x]}/ack", json={"verdict": "real"})
            == 403
        )
        assert status("manager-A", "POST", f"/api/v1/alarms/{alarm[x]}/clear", json={}) == 403
    assert (
        status(
            "manager-A",
            "POST",
            "/api/v1/tickets",
            json={"title": "t", "category": "inspection", "building_id": a},
        )
        == 403
    )
    # A manager moves its own building's ticket once assigned; another's is 404.
    assert (
        status("duty", "POST", f"/api/v1/tickets/{ticket[a]}/transition", json={"to": "assigned"})
        == 200
    )
    assert (
        status(
            "manager-A",
            "POST",
            f"/api/v1/tickets/{ticket[a]}/transition",
            json={"to": "rectifying"},
        )
        == 200
    )
    assert (
        status(
            "manager-A",
            "POST",
            f"/api/v1/tickets/{ticket[b]}/transition",
            json={"to": "rectifying"},
        )
        == 404
    )
    # Registry and tokens are the admin's.
    for who in ("duty", "manager-A"):
        assert status(who, "PUT", f"/api/v1/buildings/{a}", json={}) == 403
        assert (
            status(
                who,
                "PUT",
                f"/api/v1/devices/{a}-s1",
                json={"device_type": "smoke", "building_id": a},
            )
            == 403
        )
        assert status(who, "POST", "/api/v1/tokens", json={"name": "x", "role": "admin"}) == 403
        assert status(who, "GET", "/api/v1/tokens") == 403
    # Duty acknowledges and clears anywhere.
    assert status("duty", "POST", f"/api/v1/alarms/{alarm[b]}/ack", json={"verdict": "test"}) == 200
    assert status("duty", "POST", f"/api/v1/alarms/{alarm[b]}/clear", json={"note": "演练"}) == 200
    # No token, or a revoked or made-up one: 401 everywhere.
    everything = [("GET", p) for p, _ in lists] + [
        ("GET", f"/api/v1/buildings/{a}"),
        ("GET", f"/api/v1/devices/{a}-s1"),
        ("GET", f"/api/v1/alarms/{alarm[a]}"),
        ("GET", f"/api/v1/tickets/{ticket[a]}"),
        ("POST", f"/api/v1/alarms/{alarm[a]}/ack"),
        ("POST", f"/api/v1/alarms/{alarm[a]}/clear"),
        ("POST", "/api/v1/tickets"),
        ("POST", f"/api/v1/tickets/{ticket[a]}/transition"),
        ("PUT", f"/api/v1/buildings/{a}"),
        ("PUT", f"/api/v1/devices/{a}-s1"),
        ("POST", "/api/v1/tokens"),
        ("GET", "/api/v1/tokens"),
    ]
    for method, path in everything:
        assert status(None, method, path) == 401, path
        assert gateway.call(method, path, token="sg_made_up").status_code == 401, path
    listed = gateway.get("/api/v1/tokens")["items"]
    duty_id = next(t["id"] for t in listed if t["role"] == "duty")
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    assert gateway.call("DELETE", f"/api/v1/tokens/{duty_id}").status_code == 204
    assert status("duty", "GET", "/api/v1/buildings") == 401
    assert gateway.metrics()  # /metrics and /healthz need no token
    assert gateway.call("GET", "/healthz", token=None).status_code == 200


@pytest.mark.services
def test_registry_changes_apply_to_ingest_at_once(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url, devices={"auto_register": False}).start()
    with Publisher(mosquitto.url) as pub:
        pub.publish(
            topic(building, "gas", "kitchen-9", "telemetry"), {"type": "reading", "lel_pct": 3.0}
        )
        wait_for(
            lambda: gateway.metrics().get(UNKNOWN_DEVICE, 0) >= 1,
            timeout=5,
            what="unknown device rejected",
        )
        assert (
            gateway.call(
                "PUT", f"/api/v1/buildings/{building}", json={"community": "金泰社区"}
            ).status_code
            == 201
        )
        fields = {"device_type": "gas", "building_id": building, "imei": "869162052818257"}
        put = gateway.call("PUT", "/api/v1/devices/kitchen-9", json={**fields, "location": "后厨"})
        assert put.status_code == 201, put.text
        assert put.json()["location"] == "后厨" and put.json()["imei"] == "869162052818257"
        pub.publish(
            topic(building, "gas", "kitchen-9", "telemetry"), {"type": "reading", "lel_pct": 4.0}
        )
    wait_for(
        lambda: gateway.get("/api/v1/devices/kitchen-9")["last_seen"] is not None,
        timeout=5,
        what="accepted",
    )
    assert (
        gateway.call(
            "PUT",
            "/api/v1/devices/other",
            json={"device_type": "gas", "building_id": building, "imei": "869162052818257"},
        ).status_code
        == 409
    )
    bad = gateway.call(
        "PUT", "/api/v1/devices/x", json={"device_type": "gas", "building_id": "nowhere"}
    )
    assert bad.status_code == 422 and "unknown building" in bad.json()["detail"]
    assert (
        gateway.call(
            "PUT", "/api/v1/devices/x", json={"device_type": "toaster", "building_id": building}
        ).status_code
        == 422
    )
    again = gateway.call(
        "PUT", f"/api/v1/buildings/{building}", json={"community": "金泰社区", "name": "1号楼"}
    )
    assert again.status_code == 200 and again.json()["name"] == "1号楼"


@pytest.mark.services
def test_csv_import_keeps_good_rows_and_reports_bad_ones(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, tmp_path: Path
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    buildings = tmp_path / "buildings.csv"
    buildings.write_text(
        "\ufeffbuilding_id,name,community,address,property_company,manager_contact\n"
        "ZG-01,1号楼,金泰社区,张贵庄路1号,安居物业,王经理 13800000001\n"
        "ZG-02,2号楼,金泰社区,张贵庄路3号,,\n"
        "bad id!,3号楼,金泰社区,,,\n"
        ",4号楼,金泰社区,,,\n",
        encoding="utf-8",
    )
    devices = tmp_path / "devices.csv"
    devices.write_text(
        "device_id,device_type,building_id,floor,location,imei,dev_eui,vendor\n"
        "SM-0001,smoke,ZG-01,3,3层楼道,860374051096202,,力安\n"
        "SM-0002,smoke,ZG-09,1,,,,\n"
        "GS-0001,gas,ZG-02,1,后厨,,24E124126B316D27,Milesight\n"
        "GS-0002,fridge,ZG-02,,,,,\n"
        "GS-0003,gas,ZG-02,ground,,,,\n"
        "SM-0003,smoke,ZG-01,,,860374051096202,,\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "siteguard", "registry", "import"]
    command += ["--config", str(gateway.config), "--buildings", str(buildings)]
    command += ["--devices", str(devices)]
    first = subprocess.run(command, capture_output=True, text=True, check=False)
    assert first.returncode == 1  # some rows were bad
    errors = [line for line in first.stderr.splitlines() if line.startswith("error:")]
    files = [e.split(":")[1].strip() for e in errors]
    assert files == ["buildings.csv"] * 2 + ["devices.csv"] * 4
    lines = [e.split(":")[2] for e in errors]
    assert lines == ["4", "5", "3", "5", "6", "7"]
    assert (
        "unknown building 'ZG-09'" in errors[2]
        and "already belongs to device 'SM-0001'" in errors[5]
    )
    assert "imported: 4 created, 0 updated, 6 bad rows" in first.stdout
    again = subprocess.run(command, capture_output=True, text=True, check=False)
    assert "imported: 0 created, 4 updated, 6 bad rows" in again.stdout  # idempotent
    # The running gateway picks the import up without a restart.
    wait_for(
        lambda: gateway.get("/api/v1/buildings/ZG-01")["community"] == "金泰社区",
        timeout=5,
        what="building",
    )
    device = gateway.get("/api/v1/devices/GS-0001")
    assert (device["building_id"], device["dev_eui"], device["vendor"]) == (
        "ZG-02",
        "24E124126B316D27",
        "Milesight",
    )
    with Publisher(mosquitto.url) as pub:
        pub.publish(
            topic("ZG-01", "smoke", "SM-0001", "heartbeat"),
            {"type": "heartbeat", "battery_pct": 90},
        )
    wait_for(
        lambda: gateway.get("/api/v1/devices/SM-0001")["battery_pct"] == 90,
        timeout=5,
        what="the imported device's heartbeat",
    )


@pytest.mark.services
def test_token_create_command(
    mosquitto: Mosquitto, make_gateway: GatewayFactory, building: str
) -> None:
    gateway = make_gateway(mqtt_url=mosquitto.url).start()
    gateway.call("PUT", f"/api/v1/buildings/{building}", json={})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "siteguard",
            "token",
            "create",
            "--config",
            str(gateway.config),
            "--name",
            "安居物业 王经理",
            "--role",
            "manager",
            "--building",
            building,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    value = result.stdout.strip()
    assert value.startswith("sg_") and value not in result.stderr
    response = gateway.call("GET", "/api/v1/buildings", token=value)
    assert [b["building_id"] for b in response.json()["items"]] == [building]
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "siteguard",
            "token",
            "create",
            "--config",
            str(gateway.config),
            "--name",
            "x",
            "--role",
            "duty",
            "--building",
            building,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2 and "only manager tokens" in refused.stderr
