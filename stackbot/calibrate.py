"""`stackbot-calibrate`: a camera's calibration file from views of a ChArUco board.

    stackbot-calibrate board board.png                      # print this board (the defaults)
    stackbot-calibrate capture views/ --source 0 --count 15  # a frame every 2 s: move the board
    stackbot-calibrate intrinsics views/*.png --out cell.yaml
    stackbot-calibrate pose table.png --calibration cell.yaml --board-origin 0.68 0.22 0
    stackbot-calibrate hand-eye held.yaml --calibration cell.yaml   # or: the board on the tool
    stackbot-calibrate verify table.png --calibration cell.yaml --board-origin 0.68 0.22 0 \
        [--arm robot=xarm robot.ip=... [--move]]
    stackbot-calibrate colors frame.png --out colors.yaml [--clicks clicks.yaml]

`intrinsics` writes K and the lens distortion; `pose` adds where the camera is in the arm's base
frame from the board lying face up on the table at a known place (its top-left corner at
`--board-origin`, its columns along `--board-x-axis`), `hand-eye` the same from the board held by
the arm at several tool poses (a YAML list of {image, tool_pose}); `verify` places the board's
corners with the calibration, reports how far they are from where the board is, and moves the
tool above four of them (a dry run unless `--move`). Any problem: one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from drivers import ArmError
from perception.cameras.charuco import BoardSpec
from tools.calibration import (
    command_board,
    command_capture,
    command_colors,
    command_hand_eye,
    command_intrinsics,
    command_pose,
    command_verify,
)

PROGRAM = "stackbot-calibrate"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.split("\n\n")[0])
    board = argparse.ArgumentParser(add_help=False)
    board.add_argument("--squares", type=int, nargs=2, default=list(BoardSpec.squares),
                       metavar=("COLUMNS", "ROWS"))
    board.add_argument("--square", type=float, default=BoardSpec.square, help="metres")
    board.add_argument("--marker", type=float, default=BoardSpec.marker, help="metres")
    board.add_argument("--dictionary", default=BoardSpec.dictionary)
    placed = argparse.ArgumentParser(add_help=False)
    placed.add_argument("image")
    placed.add_argument("--calibration", type=Path, required=True)
    placed.add_argument("--board-origin", type=float, nargs=3, required=True,
                        metavar=("X", "Y", "Z"), help="the board's top-left corner (base frame)")
    placed.add_argument("--board-x-axis", type=float, nargs=2, default=[1.0, 0.0],
                        metavar=("X", "Y"), help="direction of the board's columns")
    commands = top.add_subparsers(dest="command", required=True)
    printable = commands.add_parser("board", parents=[board], help="write the board to print")
    printable.add_argument("out", type=Path)
    printable.add_argument("--dpi", type=float, default=300.0)
    capture = commands.add_parser("capture", help="save frames from an OpenCV camera")
    capture.add_argument("out", type=Path)
    capture.add_argument("--source", default="0", help="a device index, a video file or a URL")
    capture.add_argument("--count", type=int, default=15)
    capture.add_argument("--every", type=float, default=2.0, help="seconds between frames")
    intrinsics = commands.add_parser("intrinsics", parents=[board], help="K and distortion")
    intrinsics.add_argument("images", nargs="+")
    intrinsics.add_argument("--out", type=Path, required=True)
    intrinsics.add_argument("--pinhole", action="store_true", help="assume no lens distortion")
    pose = commands.add_parser("pose", parents=[board, placed], help="camera-to-base")
    pose.add_argument("--out", type=Path, help="default: the --calibration file")
    hand_eye = commands.add_parser("hand-eye", parents=[board],
                                   help="camera-to-base from the board held by the arm")
    hand_eye.add_argument("views", type=Path, help="YAML: a list of {image, tool_pose}")
    hand_eye.add_argument("--calibration", type=Path, required=True)
    hand_eye.add_argument("--out", type=Path, help="default: the --calibration file")
    verify = commands.add_parser("verify", parents=[board, placed],
                                 help="check a calibration (and move the tool, dry run)")
    verify.add_argument("--arm", nargs="+", default=[], metavar="OVERRIDE",
                        help="move this arm's tool above corners: robot=xarm robot.ip=...")
    verify.add_argument("--move", action="store_true", help="really move (default: dry run)")
    verify.add_argument("--hover", type=float, default=0.05, help="metres above the corners")
    colors = commands.add_parser("colors", help="HSV ranges from labelled clicks on a frame")
    colors.add_argument("image")
    colors.add_argument("--clicks", type=Path,
                        help="YAML: colour name -> list of [column, row] pixels (default: click "
                             "on the frame in a window)")
    colors.add_argument("--save-clicks", type=Path, help="where to keep the window's clicks")
    colors.add_argument("--out", type=Path, required=True)
    for command, handler in ((printable, command_board), (capture, command_capture),
                             (intrinsics, command_intrinsics),
                             (pose, command_pose), (hand_eye, command_hand_eye),
                             (verify, command_verify), (colors, command_colors)):
        command.set_defaults(handler=handler)
    return top


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        print(args.handler(args))
    except (ValueError, FileNotFoundError, ArmError) as error:
        prefix = "arm: " if isinstance(error, ArmError) else ""
        print(f"{PROGRAM}: error: {prefix}{error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
