"""Pictures of models and predictions: CJK fonts, Grad-CAM overlays.

- :mod:`.fonts`: a font with Chinese glyphs for matplotlib and PIL.
- :mod:`.cam`: class activation maps (``grad-cam`` package) for mmpretrain
  classifiers, with the config's test preprocessing.
"""
from .fonts import find_cjk_font, pil_font, use_cjk_font

__all__ = ['find_cjk_font', 'use_cjk_font', 'pil_font']
