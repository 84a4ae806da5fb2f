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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from perception.types import Scene, objects_line
from planner.grounding import mentioned_objects
from planner.retrieval import Retriever
from skills.relations import describe_state
from skills.skill import PromptExample
from skills.types import Option, Outcome, Step

DONE_TEXT = "done()"
FAILED_TEXT = "# failed"

HistoryItem = Option | Step | Outcome | str


def render_example(example: PromptExample | TextExample, command_first: bool = False) -> str:
    """A few-shot example as the prompt shows it: the scene, the command, one call per line,
    done()."""
    if isinstance(example, TextExample):
        return example.render(command_first)
    lines = [objects_line(example.objects), f"# {example.command}."]
    if command_first:
        lines.reverse()
    lines += [call.text for call in example.calls]
    lines.append(DONE_TEXT)
    return "\n".join(lines) + "\n"


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
    succeeded. space: what writes the first scene's spatial facts (`skills.space`) from it, the
    objects the command names and the command, which follow its objects line (None: no
    facts)."""

    examples: tuple[PromptExample | TextExample, ...] = ()
    command_first: bool = False  # "# command." above "objects = [...]" instead of below
    scene_feedback: bool = False
    retriever: Retriever | None = None
    space: Callable[[Scene, Sequence[str], str], list[str]] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "examples", tuple(self.examples))

    def header(self, examples: Sequence[PromptExample | TextExample] | None = None) -> str:
        """The examples as text; with a retriever there is no fixed header ("")."""
        if examples is None:
            examples = () if self.retriever is not None else self.examples
        if not examples:
            return ""
        return "\n".join(render_example(e, self.command_first) for e in examples) + "\n"

    def examples_for(self, command: str, first: Scene) -> tuple[PromptExample | TextExample, ...]:
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
        if self.space is not None:
            at = lines.index(first.describe()) + 1
            lines[at:at] = self.space(first, mentioned_objects(command), command)
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
