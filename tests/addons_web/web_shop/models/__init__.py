from . import shop  # noqa: F401
from . import stage  # noqa: F401
from . import meeting  # noqa: F401
from . import ticket  # noqa: F401
