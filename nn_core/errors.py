"""The one exception type for mistakes a user can make."""


class PlaygroundError(ValueError):
    """A problem the user caused and can fix; its message is one line written for them.

    Pages show it with ``st.error``; the CLI prints ``error: <message>`` and exits non-zero.
    Anything else escaping the engine is a bug.
    """
