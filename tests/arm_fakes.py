"""Test helpers: the tools the real-arm tests mount (test values close to the vendors' grippers,
not measurements) and the overrides that run `robot=xarm` / `robot=ur` on their SDK fakes."""

from __future__ import annotations

XARM_GRIPPER = {"tcp_offset": (0.0, 0.0, 0.172, 0.0, 0.0, 0.0), "payload_kg": 0.82,
                "payload_cog": (0.0, 0.0, 0.048)}
ROBOTIQ_2F85 = {"tcp_offset": (0.0, 0.0, 0.175, 0.0, 0.0, 0.0), "payload_kg": 0.925,
                "payload_cog": (0.0, 0.0, 0.058)}


def tool_overrides(tool: dict[str, object]) -> list[str]:
    """`robot.tcp_offset=[...]`, `robot.payload_kg=...`, `robot.payload_cog=[...]`."""
    def value(v: object) -> str:
        return "[" + ",".join(str(x) for x in v) + "]" if isinstance(v, tuple) else str(v)

    return [f"robot.{key}={value(v)}" for key, v in tool.items()]


FAKE_XARM = ["robot.sdk_factory={_target_:drivers.fakes.xarm_sdk.FakeXArmAPI,_partial_:true,"
             "object_width_mm:40,time_scale:0.05}", *tool_overrides(XARM_GRIPPER)]
FAKE_UR_BACKEND = ["robot.backend_factory={_target_:drivers.fakes.ur_rtde.FakeURBackend,"
                   "_partial_:true,time_scale:0.05}", *tool_overrides(ROBOTIQ_2F85)]
