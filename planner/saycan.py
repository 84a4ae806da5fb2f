"""The SayCan step: language score x affordance over every admissible option, greedy choice."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from perception.types import Scene
from planner.grounding import spelt_as_seen, ungrounded_mentions
from planner.llm import (
    ContextOverflowError,
    LanguageModel,
    OptionScorer,
    OptionScores,
)
from planner.prompt import HistoryItem, PromptBuilder, history_texts
from planner.ranking import (
    NORMALISATIONS,
    Normalisation,
    Ranking,
    best_probability,
    rank_options,
)
from planner.search import SEARCHES, check_search, effective_search, search_options
from skills.skill_set import SkillSet
from skills.space import (
    describe_space,
    describe_space_asked,
    describe_space_keyed,
    describe_space_phrases,
)
from skills.types import AffordedOption, Option, ScoredOption, SearchSummary, Step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanRecord:
    """One model call of the planner, for the JSON-lines trace."""

    model: str
    command: str
    prompt: str
    history: tuple[str, ...]
    options: tuple[str, ...]
    llm_logprobs: tuple[float, ...]
    n_tokens: tuple[int, ...]
    affordances: tuple[float, ...]
    combined: tuple[float, ...]
    chosen: str
    seconds: float
    started_at: float  # Unix time
    note: str = ""
    mode: str = "logprob"  # how the model scored the options (see planner.llm.OptionScores)
    normalisation: str = "sum"
    detail: dict[str, Any] = field(default_factory=dict)  # mode-specific, e.g. generated text
    prompt_tokens: int | None = None  # the prompt's length in the model's tokens, when it says
    bounds: tuple[bool, ...] = ()  # per option: pruned by the search, its scores upper bounds
    search: SearchSummary | None = None  # how the options were scored
    # for the GenAI conventions: the model's provider, the model requested and the one answering
    provider: str = ""
    request_model: str = ""
    response_model: str = ""
    p: float | None = None  # the chosen option's p_LLM (a lower bound after best-first)
    unsure: bool = False  # p below min_confidence: the choice is a guess, nothing moves

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class SayCanPlanner:
    """Chooses the next skill call: argmax over options of p_LLM(option | prompt) x affordance.

    The ranking itself (p_LLM as a softmax over the option set, normalisation="sum", "mean" or
    "char", ties) is `planner.ranking.rank_options`; the trace keeps the raw sum and the token
    count. The prompt is built once per step. When the command names an
    object the scene does not hold (`require_grounded`), when the model chose none of the options,
    or when no option has a positive combined score, the planner answers done() without moving
    anything and says why in the step's note. A prompt too long for the model's context loses its
    oldest few-shot examples until it fits (noted in the record). Without a `prompt_builder`
    the prompt is the one the model was tuned on (its adapter says which), else the few-shot
    prompt of the `skills`' examples; `scene_feedback` turns the scene-as-it-is-now lines on
    or off in either.
    `print_top_k` options are logged per step (debug); `top_k_print` is its deprecated name.
    `search`: "best_first" (the embedded model scores only the options that can still win; the
    same choice, `planner.search`) or "exhaustive" (every option); where best-first's bound does
    not hold (normalisation "mean" or "char", a model that cannot search) it is exhaustive.
    `min_confidence`: when the chosen option's p_LLM is below it (and the choice is not done()
    or a refusal, which move nothing), the step is `unsure`: its option only the best guess,
    which the agent does not carry out unless a person confirms it. After a best-first search
    p_LLM is known to within the pruned options' share; when that straddles the threshold every
    option is scored for the exact value (the choice is the same).
    """

    def __init__(
        self,
        model: LanguageModel | OptionScorer,
        print_top_k: int = 5,
        normalisation: Normalisation = "sum",
        prompt_builder: PromptBuilder | None = None,
        on_record: Callable[[PlanRecord], None] | None = None,
        require_grounded: bool = True,
        scene_feedback: bool | None = None,
        top_k_print: int | None = None,
        skills: SkillSet | None = None,
        search: str = SEARCHES[0],
        min_confidence: float = 0.0,
    ) -> None:
        if top_k_print is not None:
            warnings.warn("SayCanPlanner(top_k_print=...) is deprecated and goes in the next "
                          "release: it is print_top_k, as in the config", DeprecationWarning,
                          stacklevel=2)
            print_top_k = top_k_print
        if print_top_k < 0:
            raise ValueError("print_top_k must be >= 0")
        if normalisation not in NORMALISATIONS:
            raise ValueError(f"normalisation must be one of {', '.join(NORMALISATIONS)}, "
                             f"got {normalisation!r}")
        self.model, self.print_top_k = model, print_top_k
        self.normalisation = normalisation
        check_search(search)
        self.min_confidence = check_min_confidence(min_confidence)
        self.search = effective_search(search, model, normalisation)
        self.prompt_builder = prompt_builder or prompt_for(model, skills)
        if scene_feedback is not None:
            self.prompt_builder = replace(self.prompt_builder, scene_feedback=scene_feedback)
        self.on_record = on_record
        self.require_grounded = require_grounded
        self.records: list[PlanRecord] = []

    def warm_up(self) -> str:
        """Put the few-shot header in the model's KV cache before the first step, from its
        on-disk prompt cache when possible. Returns what happened ("loaded", "computed", ...)."""
        prefill = getattr(self.model, "prefill", None)
        if prefill is None:
            return "not supported by the model"
        header = self.prompt_builder.header()
        if not header:
            return "no fixed header"
        try:
            return str(prefill(header))
        except ContextOverflowError as error:
            return f"skipped: {error}"

    def next_step(
        self,
        command: str,
        scene: Scene,
        options: Sequence[AffordedOption | tuple[Option, float]],
        history: Sequence[HistoryItem] = (),
    ) -> Step:
        afforded = [o if isinstance(o, AffordedOption) else AffordedOption(*o) for o in options]
        if not afforded:
            raise ValueError("no options to choose from")
        started, t0 = time.time(), time.perf_counter()
        read = spelt_as_seen(command, scene)
        read_as = f"read the command as {read!r}" if read != command else ""
        stop = ""
        if absent := ungrounded_mentions(read, scene) if self.require_grounded else []:
            stop = "the instruction names what is not seen: " + ", ".join(absent)
        if stop:  # the prompt is built here only to record it; _score builds its own
            prompt = self.prompt_builder.build(read, scene, history)
            return self._stop(command, prompt, afforded, history, started, stop)

        texts = [self.prompt_builder.continuation(a.option) for a in afforded]
        affordances = [a.affordance for a in afforded]
        prompt, result, note = self._score(read, scene, history, texts, affordances)
        note = "; ".join(filter(None, (read_as, note)))
        if result.abstain:
            return self._stop(command, prompt, afforded, history, started, result.abstain, result)
        ranking, search = self._rank(afforded, result, texts)
        if ranking.best_combined <= 0.0:
            return self._stop(command, prompt, afforded, history, started,
                              "no option has a positive combined score", result)
        best = ranking.ranked[0].option
        moves = not (best.is_done or best.is_refusal)
        low, high = best_probability(ranking, search.scored_mass)
        if moves and low < self.min_confidence <= high:  # pruned options leave it open
            result = search_options(self.model, prompt, texts, affordances, "exhaustive")
            ranking, search = self._rank(afforded, result, texts)
            low, _ = best_probability(ranking, search.scored_mass)
        unsure = moves and low < self.min_confidence
        if unsure:
            note = "; ".join(filter(None, (note, (
                f"unsure: the best option's p_LLM {low:.3f} is below planner.min_confidence "
                f"{self.min_confidence:g}; the robot does not move on a guess"))))
        scored, ranked = ranking.scored, ranking.ranked
        step = Step(ranked[0].option, ranked, search=search, p=low, unsure=unsure,
                    note=note if unsure else "")
        self._record(PlanRecord(
            model=self.model.name, command=command, prompt=prompt,
            history=tuple(history_texts(history)), options=tuple(s.option.text for s in scored),
            llm_logprobs=tuple(s.llm_logprob for s in scored),
            n_tokens=tuple(s.n_tokens for s in scored),
            affordances=tuple(s.affordance for s in scored),
            combined=tuple(s.combined for s in scored), chosen=step.option.text,
            seconds=time.perf_counter() - t0, started_at=started, note=note, mode=result.mode,
            normalisation=self.normalisation, detail=dict(result.detail),
            prompt_tokens=prompt_token_count(self.model, prompt),
            bounds=tuple(s.bound for s in scored), search=search, p=low, unsure=unsure))
        for s in ranked[:self.print_top_k]:
            log.debug("%-50s llm=%8.3f (%2d tok) aff=%.2f combined=%.4f", s.option.text,
                     s.llm_logprob, s.n_tokens, s.affordance, s.combined)
        return step

    def _rank(self, afforded: list[AffordedOption], result: OptionScores, texts: list[str]
              ) -> tuple[Ranking, SearchSummary]:
        search = result.search or SearchSummary("exhaustive", len(texts))
        ranking = rank_options(afforded, result.scores, texts,
                               self.normalisation if result.text_logprobs else "sum",
                               result.bounded, search.scored_mass)
        return ranking, search

    def _score(self, command: str, scene: Scene, history: Sequence[HistoryItem],
               texts: list[str], affordances: list[float]) -> tuple[str, OptionScores, str]:
        """Score the options; on context overflow drop the oldest few-shot examples and retry."""
        builder = self.prompt_builder
        while True:
            prompt = builder.build(command, scene, history)
            try:
                result = search_options(self.model, prompt, texts, affordances, self.search)
            except ContextOverflowError:
                retriever = builder.retriever
                if retriever is not None and retriever.k > 1:
                    builder = replace(builder, retriever=replace(retriever, k=retriever.k - 1))
                elif builder.examples and retriever is None:
                    builder = replace(builder, examples=builder.examples[1:])
                else:
                    raise
                continue
            dropped = _n_examples(self.prompt_builder) - _n_examples(builder)
            note = f"dropped the {dropped} oldest few-shot examples to fit the context" \
                if dropped else ""
            return prompt, result, note

    def _stop(self, command: str, prompt: str, afforded: list[AffordedOption],
              history: Sequence[HistoryItem], started: float, note: str,
              result: OptionScores | None = None) -> Step:
        """done() without moving anything, with the reason in the record and the step."""
        done = next((a.option for a in afforded if a.option.is_done), None)
        if done is None:
            raise ValueError(f"{note} and no done() option was given")
        self._record(PlanRecord(
            model=self.model.name, command=command, prompt=prompt,
            history=tuple(history_texts(history)), options=(done.text,), llm_logprobs=(),
            n_tokens=(), affordances=(), combined=(), chosen=done.text, seconds=0.0,
            started_at=started, note=note, mode=result.mode if result else "",
            normalisation=self.normalisation, detail=dict(result.detail) if result else {},
            prompt_tokens=prompt_token_count(self.model, prompt)))
        return Step(done, (ScoredOption(done, 0.0, 0, 1.0, 1.0),), note=note)

    def _record(self, record: PlanRecord) -> None:
        requested = str(getattr(self.model, "model_id", self.model.name))
        record = replace(record, provider=str(getattr(self.model, "provider", "")),
                         request_model=requested,
                         response_model=str(getattr(self.model, "response_model", requested)))
        self.records.append(record)
        if self.on_record is not None:
            self.on_record(record)


TUNED_PROMPTS = {  # by the `prompt` an adapter's manifest names
    "transcript-v1": PromptBuilder(examples=(), scene_feedback=True),
    "transcript-v2": PromptBuilder(examples=(), scene_feedback=True, space=describe_space),
    "transcript-v3": PromptBuilder(examples=(), scene_feedback=True,
                                   space=describe_space_phrases),
    "transcript-v4": PromptBuilder(examples=(), scene_feedback=True,
                                   space=describe_space_keyed),
    "transcript-v5": PromptBuilder(examples=(), scene_feedback=True,
                                   space=describe_space_asked),
}


def prompt_for(model: object, skills: SkillSet | None = None) -> PromptBuilder:
    """The prompt a model was tuned on (`prompt_form`, from its adapter), else the few-shot one
    with the skills' examples (no skills given: none)."""
    form = getattr(model, "prompt_form", None)
    if form is None:
        return PromptBuilder(examples=skills.prompt_examples() if skills is not None else ())
    if form not in TUNED_PROMPTS:
        raise ValueError(f"the model was tuned on prompt form {form!r}, which this planner does "
                         f"not know (known: {', '.join(TUNED_PROMPTS)})")
    return TUNED_PROMPTS[form]


def check_min_confidence(value: object) -> float:
    """`planner.min_confidence` as a number in [0, 1); ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value < 1.0:
        raise ValueError(f"planner.min_confidence must be a number in [0, 1), got {value!r}")
    return float(value)


def _n_examples(builder: PromptBuilder) -> int:
    return builder.retriever.k if builder.retriever is not None else len(builder.examples)


def prompt_token_count(model: object, prompt: str) -> int | None:
    """The prompt's length in the model's own tokens, None when the model cannot say."""
    count = getattr(model, "prompt_token_count", None)
    return None if count is None else count(prompt)
