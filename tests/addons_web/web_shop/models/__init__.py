from . import (  # noqa: F401
    meeting,
    shop,
    stage,
    ticket,
)
