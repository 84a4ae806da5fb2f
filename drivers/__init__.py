"""Arms: the driver contract every arm satisfies (`drivers.base`, imported from here), the safety
guard in front of every driver, the real-arm adapters (xArm, UR + Robotiq) with in-package fakes
of their SDKs, and an example third-party driver."""

from drivers.base import (
    EMERGENCY_STOP,
    ArmConnectionError,
    ArmDriver,
    ArmError,
    ArmFault,
    ArmInfo,
    ArmState,
    ArmTimeout,
    LimitError,
    MotionInterrupted,
    Pose,
    UnreachableError,
)

__all__ = ["EMERGENCY_STOP", "ArmConnectionError", "ArmDriver", "ArmError", "ArmFault", "ArmInfo",
           "ArmState", "ArmTimeout", "LimitError", "MotionInterrupted", "Pose", "UnreachableError"]
