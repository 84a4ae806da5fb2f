"""The remote arm's wire format: newline-delimited JSON over TCP (optionally TLS).

Request  `{"id": 7, "op": "move_linear", "args": {"pose": [...], "speed": 0.2}}`
Reply    `{"id": 7, "ok": true, "result": ...}` or
         `{"id": 7, "ok": false, "error": {"type": "UnreachableError", "message": "..."}}`

The first request of a connection must be `{"op": "auth", "args": {"token": "..."}}`. An id is
an integer (|id| <= 2**53) or a string of at most 64 characters; a reply carries its request's id
(null when the request was too malformed to read one). Error types are the names of the
`ArmError` family, plus `BadRequest` (malformed message), `AuthError` (missing or wrong token,
or none in time), `Busy` (another client controls the arm, or the server has no room for another
connection), `TooManyRequests` (the connection already has its limit of requests awaiting a
reply) and `ServerError`.
"""

from __future__ import annotations

import base64
import hmac
import io
import json
import math
import os
import ssl
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from drivers import (
    ArmConnectionError,
    ArmError,
    ArmFault,
    ArmInfo,
    ArmState,
    ArmTimeout,
    LimitError,
    MotionInterrupted,
    UnreachableError,
)
from perception.types import Frame

ARM_ERRORS: dict[str, type[ArmError]] = {cls.__name__: cls for cls in (
    ArmError, ArmConnectionError, ArmFault, UnreachableError, LimitError, ArmTimeout,
    MotionInterrupted)}


MIN_TOKEN_LENGTH = 16
MAX_ID = 2**53
MAX_ID_CHARS = 64


class ProtocolError(Exception):
    """A message that breaks the protocol; `kind` is the error type sent back."""

    def __init__(self, kind: str, message: str, request_id: object = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.request_id = request_id


@dataclass(frozen=True)
class Request:
    id: int | str | None
    op: str
    args: dict[str, Any]


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def valid_id(request_id: object) -> bool:
    if isinstance(request_id, bool):
        return False
    if isinstance(request_id, int):
        return abs(request_id) <= MAX_ID
    return request_id is None or (isinstance(request_id, str) and len(request_id) <= MAX_ID_CHARS)


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def decode_request(line: bytes) -> Request:
    """One request line; ProtocolError (BadRequest) for anything that is not a well-formed request:
    not JSON (also NaN, Infinity, integers too long to convert), nested too deeply, a bad id."""
    try:
        message = json.loads(line, parse_constant=_no_constants)
    except RecursionError:
        raise ProtocolError("BadRequest", "nested too deeply") from None
    except ValueError as error:  # also JSONDecodeError, UnicodeDecodeError, integer digits
        raise ProtocolError("BadRequest", f"not JSON: {str(error)[:80]}") from None
    if not isinstance(message, dict):
        raise ProtocolError("BadRequest", "a message is a JSON object")
    request_id = message.get("id")
    if not valid_id(request_id):
        raise ProtocolError("BadRequest", f"an id is an integer up to 2**53 in size or a string "
                                          f"of at most {MAX_ID_CHARS} characters")
    op, args = message.get("op"), message.get("args", {})
    if not isinstance(op, str) or not isinstance(args, dict):
        raise ProtocolError("BadRequest", "a message needs a string op and object args",
                            request_id)
    return Request(request_id, op, args)


def error_reply(request_id: object, kind: str, message: str) -> dict[str, Any]:
    safe_id = request_id if valid_id(request_id) else None
    return {"id": safe_id, "ok": False, "error": {"type": kind, "message": message[:500]}}


def raise_error(error: dict[str, Any]) -> None:
    """Raise the client-side exception for an error reply."""
    kind, message = str(error.get("type", "ArmError")), str(error.get("message", ""))
    if kind in ARM_ERRORS:
        raise ARM_ERRORS[kind](message)
    if kind == "Busy":
        raise ArmConnectionError(f"the arm server is busy: {message}")
    raise ArmConnectionError(f"the arm server answered {kind}: {message}")


# argument checking ------------------------------------------------------------------------------
def number(args: dict[str, Any], key: str, optional: bool = False) -> float | None:
    value = args.get(key)
    if value is None and optional:
        return None
    finite = (isinstance(value, float) and math.isfinite(value)) or (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) < 1e300)
    if not finite:
        raise ProtocolError("BadRequest", f"{key} must be a finite number, got {str(value)[:40]}")
    return float(value)


def numbers(args: dict[str, Any], key: str, length: int | None = None) -> tuple[float, ...]:
    value = args.get(key)
    if not isinstance(value, list) or (length is not None and len(value) != length) \
            or len(value) > 64:
        raise ProtocolError("BadRequest", f"{key} must be a list of {length or 'some'} numbers")
    return tuple(number({key: v}, key) or 0.0 for v in value)


def text(args: dict[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or len(value) > 200:
        raise ProtocolError("BadRequest", f"{key} must be a short string")
    return value


# data ------------------------------------------------------------------------------------------
def info_to_json(info: ArmInfo) -> dict[str, Any]:
    return asdict(info)


def info_from_json(data: dict[str, Any]) -> ArmInfo:
    known = {f.name for f in fields(ArmInfo)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
    return ArmInfo(**values)


def state_to_json(state: ArmState) -> dict[str, Any]:
    return asdict(state)


def state_from_json(data: dict[str, Any]) -> ArmState:
    return ArmState(joints=tuple(data["joints"]), tool_pose=tuple(data["tool_pose"]),
                    gripper_width=data["gripper_width"], holding=data["holding"],
                    moving=data["moving"], fault=data["fault"], timestamp=data["timestamp"],
                    target_joints=None if data.get("target_joints") is None
                    else tuple(data["target_joints"]),
                    gripper_closed=data.get("gripper_closed"))


def frame_to_json(frame: Frame) -> dict[str, Any]:
    """RGB as PNG, depth (float32 metres) as compressed npz (null for an RGB-only frame), both
    base64."""
    ok, png = cv2.imencode(".png", np.ascontiguousarray(frame.rgb[:, :, ::-1]))
    if not ok:
        raise ValueError("could not encode the frame as PNG")
    depth = None
    if frame.depth is not None:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, depth=frame.depth.astype(np.float32))
        depth = base64.b64encode(buffer.getvalue()).decode()
    return {"rgb_png": base64.b64encode(png.tobytes()).decode(), "depth_npz": depth,
            "intrinsics": frame.intrinsics.tolist(),
            "camera_to_world": frame.camera_to_world.tolist(), "camera_name": frame.camera_name}


def frame_from_json(data: dict[str, Any]) -> Frame:
    png = np.frombuffer(base64.b64decode(data["rgb_png"]), dtype=np.uint8)
    bgr = cv2.imdecode(png, cv2.IMREAD_COLOR)
    depth = None
    if data.get("depth_npz") is not None:
        with np.load(io.BytesIO(base64.b64decode(data["depth_npz"]))) as npz:
            depth = npz["depth"]
    return Frame(rgb=np.ascontiguousarray(bgr[:, :, ::-1]), depth=depth,
                 intrinsics=np.array(data["intrinsics"], dtype=np.float64),
                 camera_to_world=np.array(data["camera_to_world"], dtype=np.float64),
                 camera_name=str(data.get("camera_name", "top")))


# secrets and TLS -------------------------------------------------------------------------------
def load_token(token_env: str | None = None, token_file: str | None = None) -> str:
    """The shared token: from the environment variable named `token_env`, else `token_file`.
    Never from a config value itself."""
    if token_env and os.environ.get(token_env):
        return os.environ[token_env].strip()
    if token_file:
        token = Path(token_file).expanduser().read_text().strip()
        if token:
            return token
    where = " or ".join(w for w in (f"${token_env}" if token_env else "",
                                     f"the file {token_file}" if token_file else "") if w)
    raise ValueError(f"no arm server token: set {where or 'token_env or token_file'}")


def check_token(token: str) -> None:
    """Refuse a token too short to resist guessing (its value never appears in the message)."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(f"the arm server token has {len(token)} characters; it needs at least "
                         f"{MIN_TOKEN_LENGTH} (e.g. python -c 'import secrets; "
                         f"print(secrets.token_hex(16))')")


def token_matches(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


def server_tls(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    if not cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def client_tls(ca: str | None) -> ssl.SSLContext | None:
    return ssl.create_default_context(cafile=ca) if ca else None
