"""A local web demo of a trained classifier (``tools/demo.py``, Gradio).

- :mod:`.names`: bilingual (Chinese / English) class and bin names and the
  bin colours of Chinese garbage sorting.
- :mod:`.app`: the scoring behind the page (:class:`DemoModel`, no Gradio
  needed) and the Gradio page itself (:func:`build_demo`, :func:`launch`).
"""
from .names import BIN_COLOURS, bin_key, display_name

__all__ = ['BIN_COLOURS', 'bin_key', 'display_name']
