"""CCSDS Orbit Ephemeris Message (OEM 2.0, KVN), CCSDS 502.0-B-3 (2023): writer and reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.time import Time

from deorbit import __version__
from deorbit.errors import InputError
from deorbit.formats.atomic import write_text_atomic

_FRAMES = {"TEME": "TEME", "GCRS": "GCRF", "ITRS": "ITRF"}


def write_oem(
    path: str | Path,
    times: Time,
    r: np.ndarray,
    v: np.ndarray,
    frame: str = "TEME",
    object_name: str = "OBJECT",
    object_id: str = "UNKNOWN",
) -> None:
    """Write positions (m) and velocities (m/s) at ``times`` as an OEM in km and km/s (the
    units CCSDS 502.0-B-3 §5.2.4 prescribes), UTC time system; atomically (a failure leaves
    no half-written file)."""
    ref = _FRAMES.get(frame, frame)
    stamps = times.utc.isot
    lines = [
        "CCSDS_OEM_VERS = 2.0",
        f"CREATION_DATE = {Time.now().utc.isot}",
        f"ORIGINATOR = deorbit {__version__}",
        "",
        "META_START",
        f"OBJECT_NAME = {object_name}",
        f"OBJECT_ID = {object_id}",
        "CENTER_NAME = EARTH",
        f"REF_FRAME = {ref}",
        "TIME_SYSTEM = UTC",
        f"START_TIME = {stamps[0]}",
        f"STOP_TIME = {stamps[-1]}",
        "META_STOP",
        "",
    ]
    rk = np.asarray(r) / 1e3
    vk = np.asarray(v) / 1e3
    for s, p, q in zip(stamps, rk, vk, strict=True):
        lines.append(f"{s} {p[0]:.6f} {p[1]:.6f} {p[2]:.6f} {q[0]:.9f} {q[1]:.9f} {q[2]:.9f}")
    write_text_atomic(path, "\n".join(lines) + "\n")


def read_oem(path: str | Path) -> tuple[Time, np.ndarray, np.ndarray, dict[str, str]]:
    """Read the first segment of a KVN OEM: times, positions (m), velocities (m/s), metadata."""
    meta: dict[str, str] = {}
    stamps: list[str] = []
    rows: list[list[float]] = []
    in_meta = False
    for no, raw in enumerate(Path(path).read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("COMMENT"):
            continue
        if line == "META_START":
            if stamps:
                break
            in_meta = True
            continue
        if line == "META_STOP":
            in_meta = False
            continue
        if "=" in line:
            key, _, value = line.partition("=")
            if in_meta:
                meta[key.strip()] = value.strip()
            continue
        parts = line.split()
        if len(parts) < 7:
            raise InputError("ephemeris line needs a time and six numbers", path, no)
        try:
            rows.append([float(x) for x in parts[1:7]])
        except ValueError as exc:
            raise InputError(f"not a number in {line!r}", path, no) from exc
        stamps.append(parts[0])
    if not stamps:
        raise InputError("no ephemeris data lines", path)
    data = np.array(rows) * 1e3
    return Time(stamps, scale="utc"), data[:, :3], data[:, 3:], meta


EARTH_FIXED_FRAMES = ("ITRF", "ITRS")
"""``REF_FRAME`` values that already are Earth-fixed (CCSDS 502.0-B-3 Annex A lists ITRF)."""


def read_oem_fixed(path: str | Path) -> tuple[Time, np.ndarray, dict[str, str]]:
    """Times, Earth-fixed (ITRS) positions (m) and metadata of an OEM's first segment: TEME
    positions rotated with :func:`deorbit.core.frames.teme_to_itrs`, ITRF ones as read.
    InputError naming the file for any other ``REF_FRAME``."""
    from deorbit.core.frames import teme_to_itrs

    times, r, _v, meta = read_oem(path)
    frame = meta.get("REF_FRAME", "TEME")
    if frame == "TEME":
        r, _ = teme_to_itrs(times, r)
    elif frame not in EARTH_FIXED_FRAMES:
        raise InputError(f"OEM frame {frame!r}: only TEME and ITRF can be made Earth-fixed", path)
    return times, np.asarray(r), meta
