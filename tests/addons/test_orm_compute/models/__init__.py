from . import constrained, event, order, partner, person, pet  # noqa: F401
