"""The sealing machine (national data set 519, §2.1): what Linux lets a user read."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from ggzy_bid import __version__
from ggzy_sm import sealedbid


def _first_line(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[0].strip()
    except (OSError, IndexError):
        return ""  # not readable here (many need root)


def _macs() -> list[str]:
    """The hardware addresses of the physical network interfaces (those with a device behind them),
    else the one Python finds (unless it is a random node id)."""
    found = []
    try:
        interfaces = sorted(Path("/sys/class/net").iterdir())
    except OSError:
        interfaces = []
    for interface in interfaces:
        if interface.name == "lo" or not (interface / "device").exists():
            continue
        address = _first_line(interface / "address")
        if address and address.strip("0:") and _is_mac(address):
            found.append(address)
    if not found:
        node = uuid.getnode()
        if not node >> 40 & 1:  # the multicast bit marks a random node id: no MAC
            found.append(":".join(f"{node:012x}"[i : i + 2] for i in range(0, 12, 2)))
    return sorted(set(found))


def _is_mac(address: str) -> bool:
    try:
        sealedbid.machine_record({"mac": [address]})
    except sealedbid.BidError:
        return False
    return True


def _cpu() -> str:
    """The processor's identity: the serial where the CPU has one (ARM), else vendor, family, model,
    stepping and microcode from /proc/cpuinfo (what CPUID-based tools call the processor ID)."""
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        return ""
    if fields.get("Serial"):
        return fields["Serial"]
    parts = [fields.get(k, "") for k in ("vendor_id", "cpu family", "model", "stepping", "microcode")]
    return "-".join(parts) if any(parts) else ""


def _disks() -> list[str]:
    """The fixed disks' identities: their /dev/disk/by-id names (model and serial), else the serials
    /sys/block shows a user."""
    try:
        names = sorted(p.name for p in Path("/dev/disk/by-id").iterdir() if "-part" not in p.name)
    except OSError:
        names = []
    fixed = [n for n in names if re.match(r"(nvme|ata|scsi)-", n) and not n.startswith("nvme-eui")]
    if fixed:
        return fixed
    serials = []
    try:
        blocks = sorted(Path("/sys/block").iterdir())
    except OSError:
        blocks = []
    for block in blocks:
        if re.match(r"(loop|ram|zram|sr|fd|dm-|md)", block.name):
            continue
        serial = _first_line(block / "device" / "serial") or _first_line(block / "serial")
        if serial:
            serials.append(serial)
    return serials


def machine_from_system() -> dict[str, Any]:
    """The sealing machine as machine.json carries it (sealedbid.machine_record): the raw MACs, CPU,
    disks, memory and board serials where this system lets a user read them ("" or [] where not), and
    the tool. Inside the encryption: nobody sees them before the opening."""
    return sealedbid.machine_record(
        {
            "mac": _macs(),
            "cpu": _cpu(),
            "disk": _disks(),
            "memory": _first_line(Path("/sys/class/dmi/id/memory_serial")),  # rarely readable without root
            "board": _first_line(Path("/sys/class/dmi/id/board_serial"))
            or _first_line(Path("/sys/class/dmi/id/product_uuid")),
            "tool": f"ggzy-bid {__version__}",
        }
    )
