"""A dataset written by `export.lerobot=DIR`, loaded by lerobot's own `LeRobotDataset` and
iterated frame by frame: `python tools/lerobot_check.py DIR` in an environment with lerobot
installed (not stackbot's: lerobot pins a torch of its own; docs/lerobot.md says how).

Every frame must decode with the shape info.json gives, belong to the episode whose frame range
holds it, in order, with that episode's task; the script prints what it found and exits 1 at the
first frame that does not fit. It imports nothing of stackbot.
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="the dataset's directory")
    parser.add_argument("--every", type=int, default=1, help="check every n-th frame")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    dataset = LeRobotDataset("stackbot/export", root=args.root)
    meta = dataset.meta
    camera = meta.camera_keys[0]
    height, width, channels = meta.features[camera]["shape"]
    ranges = {int(e["episode_index"]): (int(e["dataset_from_index"]), int(e["dataset_to_index"]),
                                        e["tasks"][0]) for e in meta.episodes}
    print(f"{args.root}: {dataset.num_episodes} episodes, {dataset.num_frames} frames at "
          f"{dataset.fps} fps, {len(meta.tasks)} tasks, video backend {dataset.video_backend}")
    previous = (-1, -1)
    for index in range(0, len(dataset), args.every):
        item = dataset[index]
        episode, frame = int(item["episode_index"]), int(item["frame_index"])
        first, last, task = ranges[episode]
        problems = []
        if tuple(item[camera].shape) != (channels, height, width):
            problems.append(f"{camera} has shape {tuple(item[camera].shape)}")
        if not first <= int(item["index"]) < last or frame != int(item["index"]) - first:
            problems.append(f"index {int(item['index'])} is not frame {frame} of episode "
                            f"{episode} ({first}..{last})")
        if (episode, frame) <= previous:
            problems.append(f"episode {episode} frame {frame} comes after {previous}")
        if item["task"] != task:
            problems.append(f"task {item['task']!r}, the episode's is {task!r}")
        for key in ("observation.state", "action"):
            if tuple(item[key].shape) != tuple(meta.features[key]["shape"]):
                problems.append(f"{key} has shape {tuple(item[key].shape)}")
        if problems:
            print(f"frame {index}: " + "; ".join(problems))
            return 1
        previous = (episode, frame)
    item = dataset[0]
    shapes = {k: tuple(v.shape) for k, v in item.items() if hasattr(v, "shape")}
    print(f"frame 0: {shapes}, task {item['task']!r}")
    successes = sum(bool(e["success"]) for e in meta.episodes)
    print(f"every {args.every} frame(s) checked in {time.perf_counter() - started:.1f} s; "
          f"{successes} of {len(meta.episodes)} episodes succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
