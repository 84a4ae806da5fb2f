"""What the simulator needs to know about each arm's URDF (pybullet_data models)."""

from __future__ import annotations

from dataclasses import dataclass

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class GripperModel:
    """A parallel gripper in an arm's URDF. Joint positions in the URDF's units (m or rad).

    `joints` have motors, driven to `open` or `closed` (one value per joint) with `force` at up
    to `max_speed`. `mimic` rows (joint, leader, multiplier) are the URDF's <mimic> tags, which
    PyBullet ignores: each becomes a gear constraint holding joint = multiplier * leader, and a
    mimicking joint without a motor of its own is left free to follow. `loops` rows (link_a,
    point_a, link_b, point_b) close a linkage that the URDF's tree leaves open: the two points
    (each in its link's frame) are pinned together. Both kinds of constraint use `mimic_force`
    and `mimic_erp`. `pads` are the fingers: each link and the centre of its gripping face in
    that link's frame; the gripper width is the distance between the two, and a body every pad
    touches is held.
    """

    joints: tuple[int, ...]
    open: tuple[float, ...]
    closed: tuple[float, ...]
    pads: tuple[tuple[int, Vec3], ...]
    mimic: tuple[tuple[int, int, float], ...] = ()
    loops: tuple[tuple[int, Vec3, int, Vec3], ...] = ()
    force: float = 40.0  # N for prismatic fingers, N m for a revolute drive
    max_speed: float = 0.1  # m/s or rad/s
    friction: float = 1.0  # lateral friction of the pad links
    mimic_force: float = 50.0
    mimic_erp: float = 0.1

    def __post_init__(self) -> None:
        if not len(self.joints) == len(self.open) == len(self.closed):
            raise ValueError("a gripper needs one open and one closed position per joint")
        if len(self.pads) != 2:
            raise ValueError(f"a parallel gripper has two pads, got {len(self.pads)}")

    def open_positions(self) -> dict[int, float]:
        """Every gripper joint (driven and mimicking) at its open position."""
        positions = dict(zip(self.joints, self.open, strict=True))
        for joint, leader, multiplier in self.mimic:
            positions.setdefault(joint, multiplier * positions[leader])
        return positions


@dataclass(frozen=True)
class ArmModel:
    """Where things are in an arm's URDF.

    The tool point (TCP) is `tcp_offset` in `tcp_link`'s frame, with that link's orientation. The
    URDF's base stands on the table at `base_position` (world frame); the driver's poses are in
    the world frame either way.
    """

    name: str
    urdf: str
    arm_joints: tuple[int, ...]
    tcp_link: int
    home: tuple[float, ...]
    rest: tuple[float, ...]  # null-space bias for IK: a comfortable working posture
    gripper: GripperModel
    tcp_offset: Vec3 = (0.0, 0.0, 0.0)
    base_position: Vec3 = (0.0, 0.0, 0.0)


PANDA = ArmModel(
    name="panda",
    urdf="franka_panda/panda.urdf",
    arm_joints=(0, 1, 2, 3, 4, 5, 6),
    tcp_link=11,  # panda_grasptarget: between the fingertips, 1.1 cm above their ends
    # Retracted toward the base and high: outside a top-down camera's view of the workspace.
    home=(0.0, -1.3, 0.0, -2.9, 0.0, 1.6, 0.785),
    rest=(0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785),
    gripper=GripperModel(
        joints=(9, 10), open=(0.04, 0.04), closed=(0.0, 0.0),
        pads=((9, (0.0, 0.0, 0.0)), (10, (0.0, 0.0, 0.0))),  # finger frames: width = q9 + q10
        # Coupled as the real hand's mechanism does, so a held object stays centred between them
        # (independent fingers let it drift sideways).
        mimic=((10, 9, 1.0),),
    ),
)
XARM6 = ArmModel(
    name="xarm6",
    urdf="xarm/xarm6_with_gripper.urdf",
    arm_joints=(1, 2, 3, 4, 5, 6),  # joint 0 fixes the URDF's link_base to its world link
    tcp_link=6,
    # Between the fingertips, 1 cm above their ends when closed on a 4 cm block (the linkage
    # lowers the fingertips by 1.2 cm as it closes).
    tcp_offset=(0.0, 0.0, 0.165),
    # Its reach (0.7 m) covers the workspace corners top-down from here, not from the origin.
    base_position=(0.1, 0.0, 0.0),
    # Folded up over its base, the tool pointing down: outside the top-down camera's view.
    home=(0.0, -1.2, -1.2, 0.0, 2.4, 0.0),
    rest=(0.0, -0.2, -0.75, 0.0, 0.95, 0.0),
    gripper=GripperModel(
        # drive_joint turns the left outer knuckle; the other five joints of the two parallel
        # four-bar linkages mimic it (multiplier 1), and each finger closes its linkage at the
        # end of its inner knuckle. Together they keep the finger pads parallel as they close.
        joints=(8,), open=(0.0,), closed=(0.84,),
        mimic=tuple((joint, 8, 1.0) for joint in (9, 10, 11, 12, 13)),
        loops=((10, (0.0, 0.035465, 0.042039), 9, (0.0, -0.015, 0.015)),
               (13, (0.0, -0.035465, 0.042039), 12, (0.0, 0.015, 0.015))),
        # Inner face centres, moved in by the contact margin: 4 cm apart on a 4 cm block.
        pads=((9, (0.0, -0.0277, 0.0434)), (12, (0.0, 0.0277, 0.0434))),
        # ~4 N per pad, ample for a 50 g block at friction 1; squeezing harder bends the
        # constrained linkage until the pads touch the block along one edge only.
        force=0.5, max_speed=2.0, mimic_force=500.0, mimic_erp=0.8,
    ),
)
MODELS = {"panda": PANDA, "xarm6": XARM6}
