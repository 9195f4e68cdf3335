"""Which bundled code answers an integration task in a language: the ``integrate_pixapi`` prompt's
choice of recipe.

Four tasks: ``generate`` (an image from a prompt), ``edit`` (multipart upload), ``image-to-video``
and ``polling`` (an async task until it ends). What the bundle holds for each:

- image-to-video: a complete program per language (``recipe-<language>``);
- generate: the curl request in ``api-reference#image-generations``; the programs' first step;
- edit: curl, Python and Node snippets in ``image-editing#upload-files-as-multipart``;
- polling: the Python loop in ``async-tasks#recommended-polling-loop``; the programs' polling step.

Where the bundle has no code for the task in the asked language, the choice says so and names the
nearest: the language's complete program when it contains the step (generate, polling), else the
curl exchange to port (edit in Go, Java or PHP; any task in a language with no recipe at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pixapi_mcp.docs.bundle import DocsBundle

Task = Literal["generate", "edit", "image-to-video", "polling"]
TASKS: tuple[Task, ...] = ("generate", "edit", "image-to-video", "polling")

# The languages with a recipe page (recipe-<language>), as the prompt names them.
LANGUAGE_NAMES: dict[str, str] = {
    "curl": "curl (bash)",
    "python": "Python",
    "node": "Node.js (JavaScript/TypeScript)",
    "go": "Go",
    "java": "Java",
    "php": "PHP",
}
_FENCES: dict[str, str] = {
    "curl": "bash",
    "python": "python",
    "node": "js",
    "go": "go",
    "java": "java",
    "php": "php",
}
TASK_NAMES: dict[Task, str] = {
    "generate": "image generation",
    "edit": "image edit (multipart upload)",
    "image-to-video": "image-to-video",
    "polling": "task polling",
}
# The sections holding a snippet per language, by task (the programs are whole pages).
_SNIPPETS: dict[Task, tuple[str, str, frozenset[str]]] = {
    "generate": ("api-reference", "image-generations", frozenset({"curl"})),
    "edit": ("image-editing", "upload-files-as-multipart", frozenset({"curl", "python", "node"})),
    "polling": ("async-tasks", "recommended-polling-loop", frozenset({"python"})),
}
# Words of a task description (any language lexicon knows) -> the task, checked in this order.
_TASK_WORDS: tuple[tuple[Task, frozenset[str]], ...] = (
    ("image-to-video", frozenset({"video", "image-to-video", "animat", "veo", "wan", "input_image"})),
    ("edit", frozenset({"edit", "edits", "multipart", "upload", "referenc", "inpaint", "retouch"})),
    ("polling", frozenset({"poll", "status", "task", "async", "progress", "wait"})),
)


def task_of(description: str) -> Task:
    """The task a free-text description asks for (``generate`` when nothing more specific is named)."""
    from pixapi_mcp.docs.lexicon import tokenize  # its term tables load on first use, not at start-up

    terms = set(tokenize(description))
    for task, words in _TASK_WORDS:
        if terms & words:
            return task
    return "generate"


@dataclass(frozen=True)
class Recipe:
    """What the prompt embeds: ``code`` (markdown) from ``source``, and ``note`` when it is not an
    exact match for the task and language."""

    task: Task
    language: str | None  # a key of LANGUAGE_NAMES, or None when the asked one has no recipe
    source: str  # pixapi://docs/... of what is embedded
    code: str
    note: str

    @property
    def exact(self) -> bool:
        return not self.note


def _fenced(text: str, fence: str) -> str | None:
    match = re.search(rf"^```{re.escape(fence)}\n.*?^```$", text, re.M | re.S)
    return match.group(0) if match else None


def choose(bundle: DocsBundle, task: Task, language: str | None, asked: str) -> Recipe:
    """The bundled code for ``task`` in ``language`` (a LANGUAGE_NAMES key, or None when ``asked``
    names none), or the nearest with a note saying what it is."""
    what = TASK_NAMES[task]
    shown = LANGUAGE_NAMES.get(language or "", asked.strip() or "the asked language")
    if task == "image-to-video" and language is not None:
        page = f"recipe-{language}"
        return Recipe(task, language, f"pixapi://docs/{page}", bundle.pages.get(page, ""), "")
    if task in _SNIPPETS and language is not None:
        page, anchor, languages = _SNIPPETS[task]
        section = bundle.section(page, anchor)
        if section is not None and language in languages:
            code = _fenced(section.text, _FENCES[language])
            if code is not None:
                prose = section.text.split("```", 1)[0].rstrip()
                return Recipe(task, language, section.uri, f"{prose}\n\n{code}\n", "")
    if language is not None and task in ("generate", "polling"):
        page = f"recipe-{language}"
        step = "generates the image (its first step)" if task == "generate" else "polls GET /v1/tasks/{id}"
        note = (
            f"There is no {what} recipe in {shown}. The nearest is the complete {shown} program below, which "
            f"{step}: keep that part and drop the rest."
        )
        return Recipe(task, language, f"pixapi://docs/{page}", bundle.pages.get(page, ""), note)
    # No code in this language: the curl exchange is the nearest, to port.
    if task == "image-to-video" or task == "polling":
        source, code = "pixapi://docs/recipe-curl", bundle.pages.get("recipe-curl", "")
    else:
        page, anchor, _ = _SNIPPETS[task]
        section = bundle.section(page, anchor)
        curl = _fenced(section.text, "bash") if section else None
        prose = section.text.split("```", 1)[0].rstrip() if section else ""
        source, code = f"pixapi://docs/{page}#{anchor}", f"{prose}\n\n{curl or ''}\n"
    language_note = (
        f"There is no {asked.strip()!r} recipe"
        if language is None
        else f"There is no {what} recipe in {shown}"
    )
    note = f"{language_note}; the nearest is the curl {what} below: it shows the exact HTTP exchange to port."
    return Recipe(task, None if language is None else "curl", source, code, note)
