"""The local web demo: top-k classes, bin, score and Grad-CAM of a photo.

:class:`DemoModel` does the scoring with :class:`mmext.apis.inference.
Predictor` on the image *file* the page receives, so the page shows exactly
what ``tools/predict.py`` prints (same read, test pipeline, preprocessor and
stored temperature). :func:`build_demo` lays out the Gradio page; it works
offline: analytics and Hugging Face telemetry are switched off, the theme
uses the system's fonts (Gradio's default theme loads Google Fonts), and
server-side rendering (which needs Node) is off.
"""
import html
import os
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..errors import ConfigError, GarbageError
from ..visualization.cam import CAMVisualizer
from .names import BINS, bin_key, bin_label, display_name

OFFLINE_ENV = {
    'GRADIO_ANALYTICS_ENABLED':
    'False',  # no usage statistics, no update check
    'HF_HUB_OFFLINE': '1',
    'HF_HUB_DISABLE_TELEMETRY': '1',
    'GRADIO_SSR_MODE': 'False',
}
GRADIO_HINT = ("the demo needs Gradio: pip install -e '.[demo]' "
               '(gradio and grad-cam)')

CSS = """
#mmg-card .mmg-class {font-size: 1.8em; font-weight: 700; margin: 0.1em 0;}
#mmg-card .mmg-score {font-size: 1.2em; margin-bottom: 0.4em;}
#mmg-card .mmg-bin {display: inline-block; color: white; font-weight: 700;
    padding: 0.3em 0.8em; border-radius: 0.4em; font-size: 1.1em;}
#mmg-card .mmg-note {color: #666; font-size: 0.9em; margin-top: 0.5em;}
"""


def offline_env() -> None:
    """Switch off Gradio's and Hugging Face's network calls (before import)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


class DemoModel:
    """The scoring behind the page (no Gradio needed).

    Args:
        predictor: A :class:`mmext.apis.inference.Predictor`.
        topk: Classes listed per image.
        cam_method: A Grad-CAM method (see
            :func:`mmext.visualization.cam.cam_methods`); ``None`` for none.
        names: Extra display names ``{class: '中文 / English'}``.
    """

    def __init__(self,
                 predictor,
                 topk: int = 5,
                 cam_method: Optional[str] = 'gradcam',
                 names: Optional[Dict[str, str]] = None):
        self.predictor = predictor
        self.classes = list(predictor.classes or [])
        self.topk = max(1, min(topk, len(self.classes) or topk))
        self.names = names or {}
        self.cam = None
        if cam_method:
            self.cam = CAMVisualizer(predictor, cam_method)

    def display(self, cls: str) -> str:
        """The shown name of a class (Chinese and English where known)."""
        return display_name(cls, self.names)

    def classify(self, image: str) -> dict:
        """Score one image file.

        Args:
            image: The image file.

        Returns:
            ``result`` (the predictor's dict: ``labels``, ``classes``,
            ``scores``, ``scores_all``, ``bin``), ``label`` (``{shown name:
            score}`` for the top-k), ``html`` (the result card) and ``cam``
            (the Grad-CAM overlay on the model's input crop, uint8 RGB,
            enlarged to at least 320 px for the page, or ``None``).
        """
        res = self.predictor([image], topk=self.topk, batch_size=1)[0]
        label = {
            self.display(c): float(s)
            for c, s in zip(res['classes'], res['scores'])
        }
        cam = None
        if self.cam is not None:
            cam = upscale(self.cam(image, target=res['labels'][0])['overlay'])
        return dict(result=res, label=label, html=self.card(res), cam=cam)

    def card(self, res: dict) -> str:
        """The result card: class, score and the bin in the bin's colour."""
        cls = res['classes'][0]
        score = float(res['scores'][0])
        temp = self.predictor.temperature
        note = (f'calibrated score (temperature {temp:.2f})' if temp else
                'softmax score (not calibrated: tools/analysis/calibrate.py)')
        parts = [
            f'<div id="mmg-result" data-label="{int(res["labels"][0])}" '
            f'data-class="{html.escape(cls)}" data-score="{score:.6f}">',
            f'<div class="mmg-class" id="mmg-class">'
            f'{html.escape(self.display(cls))}</div>',
            f'<div class="mmg-score" id="mmg-score">score {score:.4f}</div>'
        ]
        if res.get('bin') is not None:
            key = bin_key(res['bin'])
            colour = BINS[key][2] if key else '#444'
            parts.append(f'<div class="mmg-bin" id="mmg-bin" data-bin='
                         f'"{html.escape(str(key or res["bin"]))}" style='
                         f'"background:{colour}">'
                         f'{html.escape(str(bin_label(res["bin"])))}</div>')
        parts.append(f'<div class="mmg-note">{html.escape(note)}</div></div>')
        return ''.join(parts)


def upscale(image: np.ndarray, side: int = 320) -> np.ndarray:
    """Enlarge a small image (the model's input crop) for display."""
    h, w = image.shape[:2]
    if max(h, w) >= side:
        return image
    f = side / max(h, w)
    return cv2.resize(
        image, (round(w * f), round(h * f)), interpolation=cv2.INTER_LINEAR)


def gallery_items(
        paths: Sequence[str],
        labels: Sequence[int],
        classes: Sequence[str],
        per_class: int = 4,
        names: Optional[Dict[str, str]] = None) -> List[Tuple[str, str]]:
    """A few images of every class for the page's gallery.

    Args:
        paths: Image files (e.g. of the val set).
        labels: Their true labels.
        classes: Class names by label.
        per_class: Images per class.
        names: Extra display names.

    Returns:
        ``(file, caption)`` pairs, class by class.
    """
    chosen: Dict[int, List[str]] = {}
    for p, y in zip(paths, labels):
        if len(chosen.setdefault(int(y), [])) < per_class:
            chosen[int(y)].append(p)
    items = []
    for y in sorted(chosen):
        name = classes[y] if y < len(classes) else str(y)
        items += [(p, f'{display_name(name, names)}') for p in chosen[y]]
    return items


def build_demo(model: DemoModel,
               gallery: Sequence[Tuple[str, str]] = (),
               title: str = 'mmgarbage: which bin?',
               subtitle: str = ''):
    """The Gradio page.

    Args:
        model: The :class:`DemoModel`.
        gallery: ``(file, caption)`` images to click through.
        title: Page title.
        subtitle: A Markdown line under the title (model, checkpoint).

    Returns:
        The ``gradio.Blocks`` (not launched).
    """
    offline_env()
    try:
        import gradio as gr  # optional (demo extra), heavy
    except ImportError:
        raise ConfigError(GRADIO_HINT) from None
    gallery = list(gallery)

    def run(image):
        if not image:
            return '', None, None
        try:
            out = model.classify(image)
        except GarbageError as exc:
            raise gr.Error(str(exc)) from None
        return out['html'], out['label'], out['cam']

    def pick(evt: gr.SelectData):
        return gallery[evt.index][0]

    with gr.Blocks(title=title) as demo:
        gr.Markdown(f'## {title}\n{subtitle}')
        with gr.Row():
            with gr.Column():
                image = gr.Image(
                    type='filepath',
                    label='Photo of one item',
                    sources=['upload', 'webcam', 'clipboard'],
                    elem_id='mmg-input',
                    height=340)
                gal = gr.Gallery(
                    value=gallery or None,
                    label='Validation images: click one',
                    columns=6,
                    height=300,
                    allow_preview=False,
                    elem_id='mmg-gallery',
                    visible=bool(gallery))
            with gr.Column():
                card = gr.HTML(elem_id='mmg-card')
                label = gr.Label(
                    num_top_classes=model.topk,
                    label=f'Top-{model.topk} classes',
                    elem_id='mmg-topk')
                cam = gr.Image(
                    label='Grad-CAM: where the model looked',
                    interactive=False,
                    elem_id='mmg-cam',
                    height=300,
                    visible=model.cam is not None)
        image.change(run, image, [card, label, cam])
        if gallery:
            gal.select(pick, None, image)
    return demo


def theme():
    """Gradio's default look with system fonts (no Google Fonts download)."""
    import gradio as gr  # optional (demo extra), heavy
    sans = ['ui-sans-serif', 'system-ui', 'Noto Sans CJK SC', 'sans-serif']
    mono = ['ui-monospace', 'Consolas', 'monospace']
    return gr.themes.Default(font=sans, font_mono=mono)


def launch(demo,
           host: str = '127.0.0.1',
           port: Optional[int] = None,
           allowed_paths: Sequence[str] = (),
           block: bool = True,
           quiet: bool = False):
    """Serve the page (locally by default; never a public share link).

    Args:
        demo: The page of :func:`build_demo`.
        host: Interface to bind (``0.0.0.0`` for the local network).
        port: Port; default Gradio's first free one from 7860.
        allowed_paths: Folders the page may serve files from (the gallery).
        block: Keep serving until interrupted.
        quiet: Do not print the URL.

    Returns:
        The URL.
    """
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        prevent_thread_lock=not block,
        allowed_paths=list(allowed_paths),
        quiet=quiet,
        ssr_mode=False,
        theme=theme(),
        css=CSS,
        footer_links=[],
        inbrowser=False)
    return url
