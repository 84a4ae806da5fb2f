"""Planning demonstrations from the task families: at every step the prompt the planner would see
(the scene as it is then, the command, the steps so far) and the right next option.

Scenes are built from a task's seeded layout and moved by the skills' own effects on a scene
(`Skill.imagine`: for pick_and_place a block put in a bowl lands on its floor or on the blocks
already in it, on a block one block higher, at a location on the table), so the relations in a
demonstration's prompt are the ones perception reports for the same table; the call that makes
each move is the configured skill whose symbolic effect makes it. Moves follow the goal: towers
bottom first, ordered goals in order, the rest in the order the command mentions them (else the
scene's order). Some demonstrations hold a recovery: a step that failed (marked `# failed`, the
scene unchanged) or a block that ended elsewhere (on the table), followed by the same step again.
Most recoveries carry the evidence the agent's success check reports (`# failed: red block seen
on the table, 9 cm from the blue bowl`); the rest are as a run without feedback shows them
(`# failed` when the arm reported the failure, nothing when the block slipped unseen).

Two-block bowl tasks also come as a contrasting pair: the same table with the matching command
and with the mismatched one, so the answer has to follow the words, not the scene. With
`absent_twins`, each command naming an absent object comes with its feasible twin (the same
command on the table with that object: `infeasible.feasible_twin`), so the answer has to follow
the scene, not the words. With `grounded_only`, a command naming an absent object is not
demonstrated at all: the planner's grounding (`planner.grounding`) ends such a plan before the
model is asked, so its `done()` would only teach the model to stop on commands of that shape.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from perception.types import Scene
from planner.grounding import mentioned_objects, ungrounded_mentions
from planner.prompt import PromptBuilder
from sim.scene_gen import sample_layout
from sim.tasks import infeasible, matching_bowls, mismatched_bowls
from sim.tasks.layout import RADII, WORKSPACE
from sim.tasks.registry import FAMILIES, FAMILY_INFO, generate
from sim.tasks.task import Task
from sim.tasks.wordings import TRAINING_SPLITS, WordingSplit
from skills.goals import (
    AllAt,
    At,
    Corners,
    Goal,
    In,
    Line,
    NotIn,
    On,
    Stacked,
    Tower,
    goal_moves,
)
from skills.options import DONE_OPTION
from skills.places import is_start
from skills.refusal import refusal_option
from skills.relations import BLOCK_SIZE, SceneGeometry, on_the_table
from skills.skill_set import SkillSet
from skills.types import Option, Outcome

TRAIN_FIRST_SEED = 1_000_000  # benchmarks report on seeds below 10,000
# Ways a person opens or closes any command; the held-out wordings' openings ("could you",
# "I want") are not among them.
COURTESIES = ("please {}", "can you {}", "{}, please", "now {}", "robot, {}")
COURTESY_RATE = 0.25
FEEDBACK_RATE = 2 / 3  # of the recoveries: with the success check's evidence
BOWL_FLOOR = 0.006
GEOMETRY = SceneGeometry()
CLEAR = 0.09  # metres from every object's centre: room to put a block down


@dataclass(frozen=True)
class DemoStep:
    prompt: str  # what the planner sees before choosing
    target: str  # the right next option's continuation text (ends with a newline)


@dataclass(frozen=True)
class Demonstration:
    family: str
    seed: int
    instruction: str
    steps: tuple[DemoStep, ...]
    recovery: str = ""  # "", "failed" or "slipped"
    feedback: bool = False  # the recovery carries the success check's evidence


def initial_scene(task: Task) -> Scene:
    """The task's table as perception first sees it (so also where each block started); a
    block that starts on another object (`SceneSpec.start_on`) one block higher for each
    block below it, on a bowl's floor."""
    spec = task.scene
    layout = sample_layout(spec, WORKSPACE, RADII)
    scene = on_the_table(((name, (place.x, place.y)) for name, place in layout.items()),
                         WORKSPACE.named_locations())
    for block, _ in spec.start_on:
        chain = spec.support_chain(block)
        bowls = sum(name.endswith(" bowl") for name in chain)
        z = BLOCK_SIZE / 2 + (len(chain) - bowls) * BLOCK_SIZE + bowls * BOWL_FLOOR
        scene = scene.with_position(block, (*scene.get(block).position[:2], z))
    return scene.started()


def drop_beside(scene: Scene, block: str, rng: np.random.Generator) -> Scene:
    """The block ended on the table somewhere free (a step that went wrong)."""
    moving = scene.get(block)
    assert moving is not None
    for _ in range(200):
        x = rng.uniform(WORKSPACE.x_min + 0.05, WORKSPACE.x_max - 0.05)
        y = rng.uniform(WORKSPACE.y_min + 0.05, WORKSPACE.y_max - 0.05)
        clear = all(math.dist(o.position[:2], (x, y)) > CLEAR for o in scene.objects
                    if o.name != block)
        far = all(math.dist(xy, (x, y)) > 0.05 for xy in scene.locations.values())
        if clear and far:
            return scene.with_position(block, (x, y, BLOCK_SIZE / 2))
    return scene


def demo_moves(task: Task, scene: Scene) -> list[tuple[str, str]]:
    """The moves that reach the waypoints, then the goal, in the order a person would
    expect."""
    if task.infeasible:
        return []
    order = [o.name for o in scene.ordered()]
    mentioned = mentioned_objects(task.instruction)

    def rank(block: str) -> tuple[int, int]:
        return (mentioned.index(block) if block in mentioned else len(mentioned),
                order.index(block))

    spread = [_in_scene_order(p, scene, order) for p in task.goal
              if isinstance(p, AllAt | Line | Corners)]
    on_location = {obj for p in spread if isinstance(p, AllAt) for obj in p.objects}
    moves: list[tuple[str, str]] = [m for p in spread for m in goal_moves((p,))]
    for predicate in _towers_first(task.goal):
        if set(predicate.objects) <= on_location:
            continue  # built where all_at puts it, bottom first
        if isinstance(predicate, Stacked):
            chain = list(predicate.objects)
        else:
            chain = sorted(predicate.objects, key=order.index)
        moves += list(zip(chain[1:], chain, strict=False))
    picks = sorted((_move(p) for p in task.goal if isinstance(p, In | On | At)),
                   key=lambda m: rank(m[0]))  # "..., then ...": the command's order
    return (goal_moves(task.waypoints) + moves + _parked(picks, scene)
            + _taken_out(task.goal, scene))


def _in_scene_order(predicate: AllAt | Line | Corners, scene: Scene, order: list[str]
                    ) -> AllAt | Line | Corners:
    """All at a location, a line (block k to spot k) and different corners in the order the
    objects line gives the blocks (any order reaches them; the goal's own order is the
    generator's draw, which the prompt does not show, so a model could not learn it), unless a
    block stands on another: a stack is moved top first, as the goal lists it."""
    if any(
            (block := scene.get(name)) is not None and GEOMETRY.block_below(block, scene)
            for name in predicate.objects):
        return predicate
    return replace(predicate, objects=tuple(sorted(predicate.objects, key=order.index)))


def _taken_out(goal: Goal, scene: Scene) -> list[tuple[str, str]]:
    """Blocks a `not_in` keeps out of a bowl they are in, in the goal's order (top first),
    each to the next free named location."""
    moves: list[tuple[str, str]] = []
    for predicate in goal:
        if not isinstance(predicate, NotIn):
            continue
        block, bowl = scene.get(predicate.block), scene.get(predicate.bowl)
        if block is None or bowl is None or math.dist(
                block.position[:2], bowl.position[:2]) >= GEOMETRY.bowl_radius:
            continue
        used = {target for _, target in moves}
        free = _free_location(scene, used)
        if free is not None:
            moves.append((block.name, free))
    return moves


def _free_location(scene: Scene, taken: set[str] | frozenset[str] = frozenset()) -> str | None:
    """The first named location not in `taken` with no object near it."""
    return next((name for name, xy in scene.locations.items() if name not in taken and all(
        math.dist(o.position[:2], xy) > CLEAR for o in scene.objects)), None)


def _parked(picks: list[tuple[str, str]], scene: Scene) -> list[tuple[str, str]]:
    """Moves to where other blocks started that wait on each other (a swap): the first block
    goes out of the way to a free named location first."""
    if len(picks) < 2 or not all(is_start(target) for _, target in picks):
        return picks
    free = _free_location(scene)
    if free is None:
        return picks
    first = picks[0][0]
    return [(first, free), *picks[1:], picks[0]]


def _move(predicate: In | On | At) -> tuple[str, str]:
    if isinstance(predicate, In):
        return predicate.block, predicate.bowl
    if isinstance(predicate, On):
        return predicate.top, predicate.bottom
    return predicate.block, predicate.location


def _towers_first(goal: Goal) -> Goal:
    return tuple(p for p in goal if isinstance(p, Stacked | Tower))


def demonstrate(task: Task, skills: SkillSet, rng: np.random.Generator, recovery: str = "",
                builder: PromptBuilder | None = None, feedback: bool = False) -> Demonstration:
    """The task's demonstration with the skills' calls that make its moves (their effects on the
    scene: `Skill.imagine`); `recovery` ("failed" or "slipped") puts one mishap at a random
    step of a task with moves; `feedback`: the mishap is marked with the success check's
    evidence."""
    builder = builder or PromptBuilder(examples=(), scene_feedback=True)
    scene = initial_scene(task)
    moves = demo_moves(task, scene)
    mishap_at = int(rng.integers(len(moves))) if recovery and moves else -1
    history: list[Outcome] = []
    steps: list[DemoStep] = []

    def step(option: Option) -> None:
        steps.append(DemoStep(builder.build(task.instruction, scene, history),
                              builder.continuation(option)))

    for index, (block, target) in enumerate(moves):
        option = skills.call_for(scene, block, target)
        if option is None:
            raise ValueError(f"no configured skill puts the {block} on the {target} "
                             f"({task.family}, seed {task.seed})")
        if index == mishap_at:
            step(option)
            after = scene if recovery == "failed" else drop_beside(scene, block, rng)
            if feedback:
                verdict = skills.verify(option, after, GEOMETRY, before=scene)
                history.append(Outcome(option, False, scene, after, verdict.evidence))
            else:
                history.append(Outcome(option, recovery != "failed", scene, after))
            scene = after
        step(option)
        after = skills.imagine(option, scene)
        history.append(Outcome(option, True, scene, after))
        scene = after
    step(refusal_option(task.refusal) if task.refusal and skills.refusals else DONE_OPTION)
    return Demonstration(task.family, task.seed, task.instruction, tuple(steps),
                         recovery if mishap_at >= 0 else "", feedback and mishap_at >= 0)


def contrast(task: Task, rng: np.random.Generator, wordings: WordingSplit = "train",
             absent_twins: bool = False) -> Task | None:
    """The task's contrasting twin: the same two-block, two-bowl table with the opposite bowl
    command (matching <-> mismatched); with `absent_twins`, the same command naming an absent
    object on the table that has it (`infeasible.feasible_twin`); None for any other task."""
    if task.family == infeasible.FAMILY:
        return infeasible.feasible_twin(task.seed, wordings) if absent_twins else None
    spec = task.scene
    if sorted(spec.blocks) != sorted(spec.bowls) or len(spec.blocks) != 2:
        return None
    a, b = spec.blocks
    if task.family == mismatched_bowls.FAMILY:
        wording, goal = matching_bowls.WORDINGS, (In(f"{a} block", f"{a} bowl"),
                                                  In(f"{b} block", f"{b} bowl"))
        family = matching_bowls.FAMILY
    elif task.family == matching_bowls.FAMILY:
        wording, goal = mismatched_bowls.WORDINGS, (In(f"{a} block", f"{b} bowl"),
                                                    In(f"{b} block", f"{a} bowl"))
        family = mismatched_bowls.FAMILY
    else:
        return None
    return Task(family, task.seed, wording.choose(rng, "train"), spec, goal)


def training_families(exclude: Sequence[str] = (), suites: Sequence[str] = ("core",),
                      every_kind: bool = False) -> list[str]:
    """Families demonstrations are made from: the trainable ones (`FamilyInfo.trainable`: not
    unseen_colors_v1, whose colours stay unseen, nor Code as Policies' unseen instructions or
    unseen attributes; `every_kind` takes those too) of the suites (default the core one, the
    shipped adapter's), less the excluded ones."""
    return [f for f, info in FAMILY_INFO.items() if info.suite in suites
            and (info.trainable or every_kind) and f not in exclude]


def generate_demonstrations(
    skills: SkillSet, per_family: int, first_seed: int = TRAIN_FIRST_SEED,
    exclude: Sequence[str] = (),
    recovery_rate: float = 0.15, wordings: WordingSplit = "train", seed: int = 0,
    counts: Mapping[str, int] | None = None, contrasts: bool = True,
    suites: Sequence[str] = ("core",), every_kind: bool = False,
    builder: PromptBuilder | None = None, absent_twins: bool = False,
    grounded_only: bool = False,
) -> Iterator[Demonstration]:
    """`per_family` demonstrations of each training family (`counts` overrides it per family)
    on seeds first_seed, ...; a share `recovery_rate` of them holds a recovery; `contrasts`:
    each two-block bowl task is followed by its contrasting twin (`contrast`); `suites` and
    `every_kind`: which families (`training_families`); `builder`: the prompt form's builder
    (default: transcript-v1's); `wordings`: the split the commands are drawn from (`train`, or
    `taught` with the further wordings of `Wordings.taught`); `absent_twins`: infeasible tasks
    have twins too;
    `grounded_only`: only the commands the planner asks the model about (`grounded`)."""
    if first_seed < 10_000:
        raise ValueError(f"demonstration seeds must start at 10,000 or above (benchmarks use "
                         f"seeds below), got {first_seed}")
    if wordings not in TRAINING_SPLITS:
        raise ValueError(f"demonstrations are made from the {' or '.join(TRAINING_SPLITS)} "
                         f"wordings, never from {wordings!r} (held-out ones are never trained on)")
    counts = counts or {}
    unknown = sorted(set(counts) - set(FAMILIES))
    if unknown:
        raise ValueError(f"unknown family {', '.join(unknown)} (have {', '.join(FAMILIES)})")
    rng = np.random.default_rng(seed)
    for family in training_families(exclude, suites, every_kind):
        for k in range(counts.get(family, per_family)):
            task = generate(family, first_seed + k, wordings)
            twin = contrast(task, rng, wordings, absent_twins) if contrasts else None
            for each in (task,) if twin is None else (task, twin):
                if not grounded_only or grounded(each):
                    yield _demonstration(each, skills, rng, recovery_rate, builder)


def grounded(task: Task) -> bool:
    """Whether the planner asks the model about the task's command at all: not when it names an
    object the table does not hold (the planner's grounding stops first)."""
    return not ungrounded_mentions(task.instruction, initial_scene(task))


def _demonstration(task: Task, skills: SkillSet, rng: np.random.Generator,
                   recovery_rate: float, builder: PromptBuilder | None = None) -> Demonstration:
    if float(rng.random()) < COURTESY_RATE:
        courtesy = COURTESIES[int(rng.integers(len(COURTESIES)))]
        task = replace(task, instruction=courtesy.format(task.instruction))
    draw = float(rng.random())
    recovery = "" if draw >= recovery_rate else (
        "failed" if draw < recovery_rate / 2 else "slipped")
    return demonstrate(task, skills, rng, recovery, builder,
                       feedback=float(rng.random()) < FEEDBACK_RATE)
