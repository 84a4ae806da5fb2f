"""Prompts in the SayCan-tabletop / Code-as-Policies style, with Inner Monologue's feedback.

A prompt is a run of examples, each: the scene, the command as a comment, one skill call per line,
`done()`. The live episode comes last, cut off where the next line must be chosen, so the model
scores each option text followed by a newline (it has to end the line).

With scene feedback the episode is a transcript that only grows: after the command and after every
step comes the scene as perceived then (`state = [red block in blue bowl, ...]`), and a step that
failed is marked `# failed` (with the success check's evidence when the agent has it:
`# failed: red block seen on the table, 9 cm from the blue bowl`); so the model sees what is
already done, and the prompt's KV cache is extended, never recomputed, from one step to the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perception.types import Scene
from planner.retrieval import Retriever
from skills.library.pick_and_place import pick_and_place_option
from skills.relations import describe_state
from skills.types import Option, Outcome, Step

DONE_TEXT = "done()"
FAILED_TEXT = "# failed"

HistoryItem = Option | Step | Outcome | str


@dataclass(frozen=True)
class Example:
    objects: tuple[str, ...]
    command: str
    steps: tuple[str, ...]  # the object/target pairs picked and placed, in order

    def render(self, command_first: bool = False) -> str:
        lines = [f"objects = [{', '.join(self.objects)}]", f"# {self.command}."]
        if command_first:
            lines.reverse()
        lines += [pick_and_place_option(obj, target).text for obj, target in self.steps]
        lines.append(DONE_TEXT)
        return "\n".join(lines) + "\n"


# Colours vary between examples but not every colour appears, so the model must copy names from
# the scene line rather than recall them. Covered: into a bowl, onto a block, named locations, two
# steps, and three commands naming an absent object (answered by done() at once). Order and mix
# were chosen on a 16-episode symbolic evaluation with Gemma 3 270M (27/30 steps right); the
# command above the objects line, mean-normalised scores or more two-step examples scored worse.
DEFAULT_EXAMPLES: tuple[Example, ...] = (
    Example(("gray block", "orange block", "pink block", "yellow bowl", "cyan bowl"),
            "put the gray block and the pink block in the cyan bowl",
            (("gray block", "cyan bowl"), ("pink block", "cyan bowl"))),
    Example(("yellow block", "pink block", "cyan bowl", "gray bowl"),
            "put the pink block in the gray bowl", (("pink block", "gray bowl"),)),
    Example(("orange block", "brown block", "gray bowl"),
            "put the cyan block in the gray bowl", ()),
    Example(("brown block", "orange block", "cyan block", "pink bowl"),
            "put the orange block on the brown block", (("orange block", "brown block"),)),
    Example(("cyan block", "yellow block", "brown bowl"),
            "move the yellow block to the top left corner", (("yellow block", "top left corner"),)),
    Example(("pink block", "brown block", "gray block", "orange bowl"),
            "move the brown block to the bottom side", (("brown block", "bottom side"),)),
    Example(("yellow block", "orange block", "brown bowl"),
            "put the pink block on the orange block", ()),
    Example(("yellow block", "cyan block", "pink bowl", "brown bowl"),
            "put the cyan block on the yellow block", (("cyan block", "yellow block"),)),
    Example(("gray block", "pink block", "cyan bowl", "yellow bowl"),
            "put the orange block in the yellow bowl", ()),
    Example(("gray block", "brown block", "yellow bowl"),
            "put the brown block in the middle", (("brown block", "middle"),)),
)


def normalise_command(command: str) -> str:
    text = " ".join(command.strip().split()).rstrip(".!")
    if not text:
        raise ValueError("empty command")
    return text[0].lower() + text[1:]


def option_text(item: HistoryItem) -> str:
    if isinstance(item, Outcome):
        return item.option.text
    if isinstance(item, Step):
        item = item.option
    return item.text if isinstance(item, Option) else str(item)


def history_texts(history: Sequence[HistoryItem]) -> list[str]:
    return [option_text(item) for item in history]


def succeeded(history: Sequence[HistoryItem]) -> list[HistoryItem]:
    """The history without the steps that failed."""
    return [item for item in history if not (isinstance(item, Outcome) and not item.success)]


@dataclass(frozen=True)
class TextExample:
    """An example already written out (e.g. a retrieved demonstration transcript)."""

    text: str

    def render(self, command_first: bool = False) -> str:
        return self.text if self.text.endswith("\n") else self.text + "\n"


@dataclass(frozen=True)
class PromptBuilder:
    """examples: rendered one after another as the header (none: the prompt is the episode
    alone, as for a model tuned on it). retriever: instead, each episode's examples are the
    demonstrations most similar to its command and first scene. scene_feedback: the transcript
    form above; without it the prompt keeps the episode's first scene and lists the steps that
    succeeded."""

    examples: tuple[Example | TextExample, ...] = DEFAULT_EXAMPLES
    command_first: bool = False  # "# command." above "objects = [...]" instead of below
    scene_feedback: bool = False
    retriever: Retriever | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "examples", tuple(self.examples))

    def header(self, examples: Sequence[Example | TextExample] | None = None) -> str:
        """The examples as text; with a retriever there is no fixed header ("")."""
        if examples is None:
            examples = () if self.retriever is not None else self.examples
        if not examples:
            return ""
        return "\n".join(e.render(self.command_first) for e in examples) + "\n"

    def examples_for(self, command: str, first: Scene) -> tuple[Example | TextExample, ...]:
        if self.retriever is None:
            return self.examples
        return tuple(TextExample(d.text) for d in self.retriever.select(command, first))

    def build(self, command: str, scene: Scene, history: Sequence[HistoryItem] = ()) -> str:
        """The prompt whose continuation is the next step (`scene` is the scene now). Ends with
        a newline."""
        first = history[0].before if history and isinstance(history[0], Outcome) else scene
        lines = [first.describe(), f"# {normalise_command(command)}."]
        if self.command_first:
            lines.reverse()
        header = self.header(self.examples_for(command, first))
        if not self.scene_feedback:
            lines += history_texts(succeeded(history))
            return header + "\n".join(lines) + "\n"
        lines.append(describe_state(first))
        for item in history:
            lines.append(option_text(item))
            if isinstance(item, Outcome):
                if not item.success:
                    lines.append(f"{FAILED_TEXT}: {item.note}" if item.note else FAILED_TEXT)
                lines.append(describe_state(item.after))
        return header + "\n".join(lines) + "\n"

    @staticmethod
    def continuation(option: Option) -> str:
        return option.text + "\n"
