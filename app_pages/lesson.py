"""Lesson: an ordered path of short steps, each opening a view of the lab."""

import streamlit as st

from softmax_app import lesson, urlstate
from softmax_app.lesson import Lesson, LessonError

DEFAULT_LESSON = "softmax_backprop"
_UPLOADED = "_lesson_uploaded"  # (file id, Lesson or LessonError)


def _read_step(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("a step is a number, 1 for the first") from None


def choose_lesson() -> Lesson | None:
    """The shipped lesson from the link's ``lesson``, or the learner's upload."""
    with st.expander("Use your own lesson"):
        st.markdown(
            "Write a lesson in the same format as the shipped one (TOML or JSON: "
            "a title, then steps with `title`, `text`, `question`, an optional "
            "`answer`, the `page` to open and the `state` its link sets) and "
            "upload it here. It is read as data, never run."
        )
        path = lesson.shipped_lessons()[DEFAULT_LESSON]
        st.download_button(
            "The shipped lesson, as a template",
            path.read_bytes(),
            file_name=path.name,
            on_click="ignore",
            icon=":material/download:",
        )
        upload = st.file_uploader(
            "Your lesson (.toml or .json)", type=["toml", "json"], key="lesson-file"
        )
    if upload is not None:
        return _uploaded(upload.file_id, upload.getvalue(), upload.name)
    name = st.query_params.get("lesson", DEFAULT_LESSON)
    try:
        return lesson.load_shipped(name)
    except LessonError as exc:
        st.error(f"**lesson** = {name!r}: {exc}")
        return None


def _uploaded(file_id: str, data: bytes, filename: str) -> Lesson | None:
    """Parse an upload once per file; show every problem, or return the lesson."""
    cached = st.session_state.get(_UPLOADED)
    if cached is None or cached[0] != file_id:
        try:
            result: Lesson | LessonError = lesson.parse_lesson(data, filename)
        except LessonError as exc:
            result = exc
        st.session_state[_UPLOADED] = cached = (file_id, result)
    if isinstance(cached[1], LessonError):
        problems = "\n".join(f"- {p}" for p in cached[1].problems)
        st.error(
            f"**{filename}** cannot be used as a lesson; nothing from it is shown. "
            f"Fix these and upload it again:\n\n{problems}"
        )
        return None
    st.success(f"Showing your lesson from **{filename}**.")
    return cached[1]


def choose_step(chosen: Lesson) -> int:
    """The step picker, mirrored to the link's ``step`` (1-based); returns 0-based."""
    count = len(chosen.steps)
    problem = urlstate.seed_widget("step", "lesson-step", _read_step)
    wanted = st.session_state.get("lesson-step", 1)
    if not 1 <= wanted <= count:
        problem = problem or (
            f"**step** = {wanted}: this lesson has steps 1 to {count}"
        )
        st.session_state["lesson-step"] = 1
    step = st.selectbox(
        "Step",
        list(range(1, count + 1)),
        key="lesson-step",
        format_func=lambda k: f"{k} of {count}: {chosen.steps[k - 1].title}",
    )
    if problem:
        st.error(f"{problem}. Showing step {step}.")
    urlstate.publish("step", str(step), "1")
    return int(step) - 1


def _move(by: int, count: int) -> None:
    step = int(st.session_state.get("lesson-step", 1)) + by
    st.session_state["lesson-step"] = min(max(step, 1), count)


def show_step(chosen: Lesson, index: int) -> None:
    step = chosen.steps[index]
    with st.container(border=True):
        st.subheader(f"{index + 1}. {step.title}")
        st.markdown(step.text)
        st.markdown(f"**[Open this step on the {step.page.capitalize()} page →]"
                    f"({step.link})**")  # fmt: skip
        st.caption("The link sets the page and every input: x, axis, T, g and more.")
        st.code(step.link, language=None, wrap_lines=True)
        st.info(f"**Question.** {step.question}", icon="❓")
        if step.answer:
            with st.expander("Show the answer"):
                st.markdown(step.answer)
    left, right = st.columns(2)
    count = len(chosen.steps)
    left.button(
        "← Previous",
        key="lesson-prev",
        on_click=_move,
        args=(-1, count),
        disabled=index == 0,
    )
    right.button(
        "Next →",
        key="lesson-next",
        on_click=_move,
        args=(1, count),
        disabled=index == count - 1,
    )


def all_steps(chosen: Lesson) -> None:
    st.subheader("All steps")
    st.markdown(
        "\n".join(
            f"{k}. [{step.title}]({step.link}) ({step.page})"
            for k, step in enumerate(chosen.steps, start=1)
        )
    )


st.title("Lesson: a guided path through the lab")
st.markdown(
    "Each step says what to look at in two or three sentences, opens the view "
    "it is about with one link (the page and every input set for you), and "
    "asks a question: answer it before you open the answer or the next step."
)

current = choose_lesson()
if current is not None:
    st.header(current.title)
    if current.description:
        st.markdown(current.description)
    show_step(current, choose_step(current))
    all_steps(current)
