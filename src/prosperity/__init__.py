"""prosperity: monitors and evaluates a city region's growth strategy against official statistics."""

__version__ = "0.1.0"
