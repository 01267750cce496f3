"""``siteguard registry broker-users``: Mosquitto accounts for the registered devices.

Each device connects to the broker's device listener with user name = its device id and a
password of its own (deploy/mosquitto/mosquitto.conf, docs/deployment-broker.md), so that a
device cannot publish as another and a stolen or cloned one can be shut out alone. The
registry already lists the devices; this command turns it into what Mosquitto reads.

- **The passwords sheet** (CSV ``device_id,password,building_id,device_type``) is the
  provisioning list an installer keys into the devices, and the source of truth. It is read
  if it exists; every registered device without a row gets a generated password, appended.
  Rows are never changed or removed, so running the command again after an import only adds
  the new devices and never locks out one already installed. Rows may be typed in by hand (a
  vendor's factory passwords); ``--no-generate`` then makes a missing row an error. A row
  with anything in an optional ``revoked`` column (a date, a reason) gives its device no
  account, and no new password either: that is how a stolen device is shut out while it
  stays in the registry with its history.
- **The password file**: the lines of any ``--include`` file (the platform bridges'
  accounts, kept with ``mosquitto_passwd``), then ``device:$7$...`` per device: PBKDF2-SHA512
  in Mosquitto's own format, what ``mosquitto_passwd`` writes.
- **The ACL** (optional): deploy/mosquitto/acl for the configured topic prefix, gateway user
  and bridges. Devices need no line each: one pattern covers them all.

Devices registered with a ``dev_eui`` (LoRaWAN) or a ``platform_id`` (a carrier or cloud
platform's id) reach SiteGuard through a network server or platform bridge, never with a
connection of their own, so they get no account unless asked (``include_platform``): a
password nobody uses is only one more to leak.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import hmac
import io
import os
import secrets
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.config import ConfigError
from gateway.store import schema

# Mosquitto 2.0's mosquitto_passwd: PBKDF2-SHA512, 12 bytes of salt, 101 iterations. More
# iterations would cost the broker's single thread that much more per connection, and a
# whole street's devices reconnect at once after a broker restart; generated passwords carry
# ~100 bits, which no iteration count needs to stretch.
PBKDF2_ITERATIONS = 101
SALT_BYTES = 12
# Installers key passwords into device tools by hand: lower case and digits, without the
# look-alikes 0/o, 1/l/i. 20 of 31 symbols: 99 bits.
SYMBOLS = "23456789abcdefghjkmnpqrstuvwxyz"
PASSWORD_LENGTH = 20
SHEET_COLUMNS = ("device_id", "password", "building_id", "device_type")
# Characters a user name cannot hold: ':' ends it in the password file; '+', '#' and '/'
# would change what the ACL's %u pattern matches (Mosquitto denies '+'/'#' names outright).
_BAD_NAME_CHARS = frozenset(":+#/ \t")


def mosquitto_hash(password: str, *, salt: bytes | None = None) -> str:
    """``$7$101$<salt>$<hash>``, as ``mosquitto_passwd`` writes it (Mosquitto 2.0)."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS)
    encoded = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"$7${PBKDF2_ITERATIONS}${encoded[0]}${encoded[1]}"


def mosquitto_verify(password: str, hashed: str) -> bool:
    """Whether ``password`` matches a ``$7$`` hash (for checks and tests)."""
    parts = hashed.split("$")
    if len(parts) != 5 or parts[1] != "7":
        return False
    salt, expected = base64.b64decode(parts[3]), base64.b64decode(parts[4])
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(parts[2]))
    return hmac.compare_digest(digest, expected)


def new_password() -> str:
    return "".join(secrets.choice(SYMBOLS) for _ in range(PASSWORD_LENGTH))


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a Mosquitto user here, or None."""
    bad = sorted(set(name) & _BAD_NAME_CHARS)
    if bad:
        return f"contains {' '.join(repr(c) for c in bad)}, which a broker user name cannot"
    return None if name else "is empty"


@dataclass(frozen=True, kw_only=True)
class Device:
    device_id: str
    device_type: str
    building_id: str


def registered_devices(engine: Engine, *, include_platform: bool) -> tuple[list[Device], int]:
    """The devices that connect to the broker themselves, and how many others were left out."""
    d = schema.devices
    query = sa.select(
        d.c.device_id, d.c.device_type, d.c.building_id, d.c.dev_eui, d.c.platform_id
    ).order_by(d.c.device_id)
    devices, skipped = [], 0
    with engine.connect() as conn:
        for row in conn.execute(query):
            if not include_platform and (row.dev_eui or row.platform_id):
                skipped += 1
                continue
            devices.append(
                Device(
                    device_id=row.device_id,
                    device_type=row.device_type,
                    building_id=row.building_id,
                )
            )
    return devices, skipped


@dataclass(kw_only=True)
class PasswordSheet:
    """The provisioning CSV: read whole, rows kept as they were (extra columns too)."""

    columns: list[str]
    rows: list[dict[str, str]]

    @classmethod
    def read(cls, path: Path) -> PasswordSheet:
        if not path.exists():
            return cls(columns=list(SHEET_COLUMNS), rows=[])
        # utf-8-sig: spreadsheets save CSV with a byte-order mark.
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip() for c in reader.fieldnames or []]
            if "device_id" not in columns or "password" not in columns:
                raise ConfigError(f"{path}: the header row must name device_id and password")
            rows, seen = [], set()
            for row in reader:
                values = {k.strip(): (v or "").strip() for k, v in row.items() if k}
                where = f"{path}:{reader.line_num}"
                device = values.get("device_id", "")
                if not device or not (values.get("password") or values.get("revoked")):
                    raise ConfigError(f"{where}: device_id and password are required")
                if device in seen:
                    raise ConfigError(f"{where}: {device} has a second row")
                seen.add(device)
                rows.append(values)
        return cls(columns=columns, rows=rows)

    def passwords(self) -> dict[str, str]:
        """Device id -> password, revoked rows left out."""
        return {r["device_id"]: r["password"] for r in self.rows if not r.get("revoked")}

    def revoked(self) -> set[str]:
        return {r["device_id"] for r in self.rows if r.get("revoked")}

    def add(self, device: Device, password: str) -> None:
        self.rows.append(
            {
                "device_id": device.device_id,
                "password": password,
                "building_id": device.building_id,
                "device_type": device.device_type,
            }
        )

    def text(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


def included_users(lines: Iterable[str]) -> list[str]:
    """User names of password-file lines (Mosquitto skips comments and lines without ':')."""
    return [
        line.split(":", 1)[0].strip() for line in lines if ":" in line and not line.startswith("#")
    ]


def password_file_text(accounts: Mapping[str, str], *, include: Sequence[str] = ()) -> str:
    """``include``'s lines, then ``user:$7$...`` per account (passwords hashed here)."""
    lines = [line.rstrip("\n") for line in include if line.strip()]
    lines += [f"{user}:{mosquitto_hash(password)}" for user, password in accounts.items()]
    return "".join(f"{line}\n" for line in lines)


def acl_text(*, prefix: str, gateway_user: str, bridges: Mapping[str, str]) -> str:
    """The ACL of deploy/mosquitto/acl (which explains it), for this prefix and these users.
    ``bridges`` maps an adapter name to its bridge's user."""
    lines = [
        "# Mosquitto ACL for SiteGuard, written by `siteguard registry broker-users`.",
        "# Explained in deploy/mosquitto/acl and docs/deployment-broker.md.",
        "",
        "# The gateway: reads every canonical and vendor topic, writes nothing.",
        f"user {gateway_user}",
        f"topic deny {prefix}/+/+/{gateway_user}/#",
        f"topic read {prefix}/#",
    ]
    for adapter, user in bridges.items():
        lines += [
            "",
            f"# Platform bridge for the {adapter} adapter: writes under its vendor prefix only.",
            f"user {user}",
            f"topic deny {prefix}/+/+/{user}/#",
            f"topic write {prefix}/vendor/{adapter}/#",
        ]
    lines += [
        "",
        "# Devices (user name = device id): their own canonical topics only; read nothing.",
        f"pattern deny {prefix}/vendor/+/%u/#",
        f"pattern write {prefix}/+/+/%u/+",
    ]
    return "\n".join(lines) + "\n"


def write_private(path: Path, text: str, *, mode: int) -> None:
    """Replace ``path`` atomically (the broker may reload it at any moment), keeping an
    existing file's mode and owner: an administrator gives the password file to the broker's
    group once (docs/deployment-broker.md), and a rewrite must not take that back."""
    owner: tuple[int, int] | None = None
    try:
        st = path.stat()
    except FileNotFoundError:
        pass
    else:
        mode, owner = stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write here: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if owner is not None and owner != (os.getuid(), os.getgid()):
            with contextlib.suppress(PermissionError):
                os.chown(tmp, *owner)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@dataclass(kw_only=True)
class Outcome:
    """What a run did, for the command's summary (and its exit status)."""

    accounts: dict[str, str] = field(default_factory=dict)  # device id -> password
    generated: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)  # registered, revoked in the sheet
    refused: list[str] = field(default_factory=list)  # one message per device left out
    unregistered: list[str] = field(default_factory=list)  # sheet rows with no device
    platform_skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.refused


@dataclass(frozen=True, kw_only=True)
class Request:
    """The command's options, checked by ``check``."""

    passwords: Path
    password_file: Path | None
    acl_file: Path | None = None
    include: tuple[Path, ...] = ()
    bridges: tuple[tuple[str, str], ...] = ()  # (adapter, user)
    gateway_user: str
    gateway_client_id: str
    topic_prefix: str
    generate: bool = True
    include_platform: bool = False

    def check(self) -> None:
        for adapter, user in self.bridges:
            for what, name in (("adapter", adapter), ("user", user)):
                problem = name_problem(name)
                if problem:
                    raise ConfigError(f"--bridge {adapter}={user}: the {what} {problem}")
            if user == self.gateway_user:
                raise ConfigError(f"--bridge {adapter}={user}: that is the gateway's user")
        problem = name_problem(self.gateway_user)
        if problem:
            raise ConfigError(f"the gateway's user {self.gateway_user!r} {problem}")


def reserved_names(request: Request, include_lines: Sequence[str]) -> dict[str, str]:
    """Names no device may have, and whose they are. A device named like the gateway's
    client id would, on the device listener (client id = user name), take over the gateway's
    session and discard what is queued for it; one named like another account would share
    or shadow its credentials."""
    cid = request.gateway_client_id
    reserved = {
        request.gateway_user: "the gateway's user",
        cid: "the gateway's client id",
        f"{cid}-events": "the gateway's events client id",
    }
    for _, user in request.bridges:
        reserved.setdefault(user, "a --bridge user")
    for user in included_users(include_lines):
        if user == request.gateway_user:
            raise ConfigError(
                f"--include: {user} is the gateway's user, which belongs in the gateway "
                "listener's password file only (docs/deployment-broker.md)"
            )
        reserved.setdefault(user, "a user of an --include file")
    return reserved


def plan(
    devices: Sequence[Device],
    sheet: PasswordSheet,
    *,
    reserved: Mapping[str, str],
    generate: bool,
) -> Outcome:
    """Accounts for ``devices``: each its sheet password, or a new one added to ``sheet``."""
    outcome = Outcome()
    known, revoked = sheet.passwords(), sheet.revoked()
    for device in devices:
        name = device.device_id
        if name in revoked:
            outcome.revoked.append(name)
            continue
        problem = name_problem(name)
        if problem is None and name in reserved:
            problem = f"is {reserved[name]}"
        if problem is not None:
            outcome.refused.append(f"device {name!r} {problem}: no broker account")
            continue
        password = known.get(name)
        if password is None:
            if not generate:
                outcome.refused.append(f"device {name!r} has no row in the passwords sheet")
                continue
            password = new_password()
            sheet.add(device, password)
            outcome.generated.append(name)
        outcome.accounts[name] = password
    registered = {device.device_id for device in devices}
    outcome.unregistered = sorted(set(known) - registered)
    return outcome


def broker_users(engine: Engine, request: Request) -> tuple[Outcome, str]:
    """Do it: update the sheet, write the ACL, return the outcome and the password file text
    (written to ``request.password_file`` too when given).

    The sheet is written before the password file: a hash must never be in force for a
    password that was not saved."""
    request.check()
    include_lines: list[str] = []
    for path in request.include:
        try:
            include_lines += path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"--include {path}: {exc.strerror}") from exc
    reserved = reserved_names(request, include_lines)
    sheet = PasswordSheet.read(request.passwords)
    devices, skipped = registered_devices(engine, include_platform=request.include_platform)
    outcome = plan(devices, sheet, reserved=reserved, generate=request.generate)
    outcome.platform_skipped = skipped
    if outcome.generated or not request.passwords.exists():
        write_private(request.passwords, sheet.text(), mode=0o600)
    text = password_file_text(outcome.accounts, include=include_lines)
    if request.password_file is not None:
        write_private(request.password_file, text, mode=0o640)
    if request.acl_file is not None:
        acl = acl_text(
            prefix=request.topic_prefix,
            gateway_user=request.gateway_user,
            bridges=dict(request.bridges),
        )
        write_private(request.acl_file, acl, mode=0o640)
    return outcome, text
