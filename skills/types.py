"""Data passed between the planner, the compiler and the arm: options, steps, primitives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from drivers import Pose
from perception.types import Scene

DONE_SKILL = "done"
REFUSAL_SKILL = "cannot"  # cannot(<kind>): the command asks for what no skill does


@dataclass(frozen=True)
class Option:
    """One admissible skill call, e.g. pick_and_place(red block, blue bowl), and its prompt text."""

    skill: str
    args: tuple[str, ...]
    text: str

    @property
    def is_done(self) -> bool:
        return self.skill == DONE_SKILL

    @property
    def is_refusal(self) -> bool:
        """A refusal (`skills/refusal.py`): ends the episode with nothing moved."""
        return self.skill == REFUSAL_SKILL


@dataclass(frozen=True)
class ScoredOption:
    """An option with its language score (log-probability, raw sum over its tokens and how many
    tokens), its affordance in [0, 1] and the combined score p_llm x affordance used to choose."""

    option: Option
    llm_logprob: float
    n_tokens: int
    affordance: float
    combined: float
    llm_score: float = 0.0  # the (possibly normalised) log-probability that entered `combined`
    bound: bool = False  # pruned, not scored: llm_logprob, llm_score and combined are upper bounds


@dataclass(frozen=True)
class SearchSummary:
    """How a step's options were scored. search: "exhaustive" (every option) or "best_first"
    (an option that could not beat the choice was pruned: its scores are upper bounds).
    tokens_decoded, logits_rows: what the model evaluated for the options, padding included and
    the prompt not counted (None: the model does not say). scored_mass: at least this share of
    the option set's probability lies with the scored options (1 when none was pruned)."""

    search: str
    scored: int
    pruned: int = 0
    tokens_decoded: int | None = None
    logits_rows: int | None = None
    scored_mass: float = 1.0


@dataclass(frozen=True)
class Step:
    """The option the planner chose, with every scored option it chose among (best first)."""

    option: Option
    scored: tuple[ScoredOption, ...] = field(default=(), compare=False)
    note: str = field(default="", compare=False)  # why, when not chosen by score alone
    search: SearchSummary | None = field(default=None, compare=False)
    # the chosen option's p_LLM (softmax over the options), when a language model chose it
    p: float | None = field(default=None, compare=False)
    # p below planner.min_confidence: `option` is only the best guess, the robot does not move
    unsure: bool = field(default=False, compare=False)




@dataclass(frozen=True)
class ObjectPose:
    """Ground-truth pose of an object: block centre or bowl base centre (world frame),
    quaternion xyzw; what a simulated world reports, here or behind an arm server."""

    position: tuple[float, float, float]
    orientation: tuple[float, float, float, float]

PrimitiveKind = Literal["move_linear", "move_joints", "gripper_open", "gripper_close", "home"]


@dataclass(frozen=True)
class Primitive:
    """One motor command: a named phase (approach, descend, grasp, ...) and what the arm does."""

    phase: str
    kind: PrimitiveKind
    pose: Pose | None = None
    joints: tuple[float, ...] | None = None
    # gripper_close: the step fails unless this is what is held after closing; gripper_open
    # with True: the step fails unless something is held before opening (a release)
    expect_held: bool | None = None


@dataclass(frozen=True)
class StepResult:
    """What executing a step did on the arm. `dry_run`: the primitives were checked by the safety
    guard and not executed (success then means every check passed)."""

    step: Step
    success: bool
    message: str
    primitives: tuple[Primitive, ...] = ()
    seconds: float = 0.0
    dry_run: bool = False
    timings: tuple[tuple[float, float], ...] = ()  # each primitive's (start, end), time.time()
    error: str = ""  # the ArmError class that ended the step, e.g. "MotionInterrupted"
    # the tool point (m, base frame) where the gripper let go of what it held, if it did
    released_at: tuple[float, float, float] | None = None

    @property
    def moved(self) -> bool:
        """Whether any primitive reached the arm."""
        return bool(self.primitives) and not self.dry_run


@dataclass(frozen=True)
class Outcome:
    """A step the robot took, whether it succeeded, and the scene before and after it: one entry
    of the planner's history (Inner Monologue's feedback)."""

    option: Option
    success: bool
    before: Scene
    after: Scene
    note: str = ""


@dataclass(frozen=True)
class Verdict:
    """Whether a step's intended effect is seen on the table after it, and the evidence
    (`red block seen on the table, 9 cm from the blue bowl`). `checked` is False for a skill
    whose effect perception cannot see (it then holds by default)."""

    holds: bool
    evidence: str
    checked: bool = True


@dataclass(frozen=True)
class AffordedOption:
    """An option with the affordance the skill library gives it on the current scene."""

    option: Option
    affordance: float
    reason: str = ""  # why the affordance is below 1, for the trace
