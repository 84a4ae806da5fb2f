"""LeRobot datasets of stackbot's episodes (`export.lerobot=DIR`), in the format lerobot's
`LeRobotDataset` reads (v3.0), written with pyarrow and PyAV: neither lerobot nor torch is needed.

`format.py` says what the files hold, `video.py` encodes the camera's frames, `dataset.py` adds
staged episodes to a dataset; the observer that samples and stages an episode is
`records/observers/lerobot_recording.py`. See docs/lerobot.md.
"""
