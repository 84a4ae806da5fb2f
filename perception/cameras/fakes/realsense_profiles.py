"""The video stream profiles a RealSense D435 and D455 offer over USB 3, as the Intel RealSense
D400 Series datasheet tables them ("Supported Video Stream Formats": depth Z16 from the stereo
module, colour from the RGB sensor in RGB8/BGR8 and the other formats): (width, height) -> frame
rates. The fake of `pyrealsense2` offers exactly these; a request outside them fails as the real
pipeline does."""

from __future__ import annotations

Profiles = dict[tuple[int, int], tuple[int, ...]]

DEPTH_D4XX: Profiles = {
    (1280, 720): (6, 15, 30), (848, 480): (6, 15, 30, 60, 90), (640, 480): (6, 15, 30, 60, 90),
    (640, 360): (6, 15, 30, 60, 90), (480, 270): (6, 15, 30, 60, 90),
    (424, 240): (6, 15, 30, 60, 90), (256, 144): (90,)}
COLOR_D435: Profiles = {
    (1920, 1080): (6, 15, 30), (1280, 720): (6, 15, 30), (960, 540): (6, 15, 30, 60),
    (848, 480): (6, 15, 30, 60), (640, 480): (6, 15, 30, 60), (640, 360): (6, 15, 30, 60),
    (424, 240): (6, 15, 30, 60), (320, 240): (6, 30, 60), (320, 180): (6, 30, 60)}
COLOR_D455: Profiles = {
    (1280, 800): (6, 15, 30), (1280, 720): (6, 15, 30), (848, 480): (6, 15, 30, 60),
    (640, 480): (6, 15, 30, 60), (640, 360): (6, 15, 30, 60), (480, 270): (6, 15, 30, 60),
    (424, 240): (6, 15, 30, 60)}
MODELS = {"D435": (DEPTH_D4XX, COLOR_D435), "D455": (DEPTH_D4XX, COLOR_D455)}
