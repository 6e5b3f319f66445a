"""lambda-course: a local AWS for learning Lambda, with the helpers that chapters and labs use."""

__version__ = "0.1.0"
