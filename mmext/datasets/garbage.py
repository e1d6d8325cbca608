"""``GarbageDataset``: every garbage data set layout users bring, checked."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.logging import MMLogger
from mmpretrain.datasets import CustomDataset
from mmpretrain.registry import DATASETS

from ..errors import DataError
from ..utils.images import IMG_EXTENSIONS, image_problem, natural_key
from .class_names import read_class_names, split_bins
from .layouts import (HUAWEI_RULE, LAYOUTS, detect_layout, parse_ann_line,
                      scan_huawei_folder)


def _shared_counter():
    """A counter that dataloader workers forked from this process share."""
    try:
        import multiprocessing
        return multiprocessing.Value('i', 0)
    except (OSError, ImportError):  # no shared memory available
        return None


@DATASETS.register_module()
class GarbageDataset(CustomDataset):
    """A garbage-classification data set in any of the common layouts.

    Layouts (``layout='auto'`` picks one from the structure and logs it: an
    ``ann_file`` means ``'list'``; class sub-folders holding images mean
    ``'folder'``; ``img_N.jpg`` + ``img_N.txt`` pairs mean ``'huawei'``; loose
    text files such as a README decide nothing; a tree with both, or images
    without any labels, stops with a paragraph asking for ``layout=``):

    - ``'list'``: ``ann_file`` with ``<relative path> <label>`` lines, paths
      relative to ``data_prefix`` (TrashNet's ``meta/train.txt``, the output
      of ``tools/prepare_data.py``).
    - ``'huawei'``: the Huawei Cloud 2019 ``garbage_classify/train_data``
      folder, ``img_N.jpg`` beside ``img_N.txt`` (``img_N.jpg, <label>``);
      class names from ``garbage_classify_rule.json``.
    - ``'folder'``: one sub-folder per class; label order is the sorted
      folder names unless ``classes`` is given.
    - ``'unlabeled'``: every image below ``data_prefix`` with no label (a
      leaderboard's test folder); ``classes`` still names the outputs.

    Class names that read ``"<bin>/<item>"`` (or an explicit ``class_bins``)
    give every class a top-level bin; ``metainfo['bins']`` and
    ``metainfo['class_to_bin']`` then feed :class:`BinAccuracy`.

    Args:
        data_root: Root folder; relative ``ann_file``, ``data_prefix`` and
            ``classes`` are taken from it.
        data_prefix: Image folder (str or ``dict(img_path=...)``).
        ann_file: Annotation list for the ``'list'`` layout.
        layout: One of ``'auto', 'list', 'folder', 'huawei', 'unlabeled'``.
        classes: Class names, or a ``.txt``/``.json`` file of them.
        class_bins: Optional ``{class name: bin name}``.
        allow_empty_classes: Accept classes without images. Defaults to
            ``False`` for training sets (an empty class spoils training);
            test-mode sets only warn.
        check_files: Check that every listed image exists.
        bad_image: What to do with an image that cannot be decoded (corrupt,
            zero bytes, not an image): ``'skip'`` (training sets: warn, use
            another sample, count it; test sets always stop, since every test
            image needs a prediction) or ``'raise'`` (stop with the file name).
            Grayscale, CMYK, 16-bit, paletted/alpha PNGs are converted to 8-bit
            3-channel and EXIF rotation is applied by OpenCV's decoder.
        **kwargs: Passed to :class:`mmpretrain.datasets.CustomDataset`.
    """

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 ann_file: str = '',
                 layout: str = 'auto',
                 classes: Union[str, Sequence[str], None] = None,
                 class_bins: Optional[Dict[str, str]] = None,
                 allow_empty_classes: Optional[bool] = None,
                 check_files: bool = True,
                 bad_image: str = 'skip',
                 with_label: bool = True,
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 metainfo: Optional[dict] = None,
                 lazy_init: bool = False,
                 **kwargs):
        if layout not in LAYOUTS:
            raise DataError(
                f'Unknown layout {layout!r}.', fix=f'use one of {LAYOUTS}.')
        if layout == 'unlabeled':
            with_label = False
        if bad_image not in ('skip', 'raise'):
            raise DataError(
                f'Unknown bad_image={bad_image!r}.',
                fix="use 'skip' or 'raise'.")
        self.layout = layout
        self.bad_image = bad_image
        self.bad_images: List[str] = []  # skipped in this process
        self._bad_count = _shared_counter()
        self.class_bins = class_bins
        self.check_files = check_files
        self._allow_empty = allow_empty_classes
        if isinstance(classes, str):
            if data_root and not osp.isabs(classes) and not osp.isfile(
                    classes):
                classes = osp.join(data_root, classes)
            classes = read_class_names(classes)
        metainfo = dict(metainfo or {})
        if classes is not None:
            metainfo['classes'] = tuple(classes)
        self._auto_classes = classes is None
        super().__init__(
            data_root=data_root,
            data_prefix=data_prefix,
            ann_file=ann_file,
            with_label=with_label,
            extensions=extensions,
            metainfo=metainfo,
            lazy_init=True,
            **kwargs)
        if not lazy_init:
            self.full_init()

    # ------------------------------------------------------------------
    @property
    def bad_image_count(self) -> int:
        """Images skipped so far, summed over dataloader workers."""
        return self._bad_count.value if self._bad_count is not None else len(
            self.bad_images)

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_bad_count'] = None  # shared counters only survive fork
        return state

    def _copy_without_annotation(self, memo=None):
        # get_subset (mmpretrain's KFoldDataset, ...) deep-copies attributes;
        # the shared counter cannot be deep-copied, so the subset shares it.
        counter, self._bad_count = self._bad_count, None
        try:
            other = super()._copy_without_annotation({} if memo is
                                                     None else memo)
        finally:
            self._bad_count = counter
        other._bad_count = counter
        return other

    def prepare_data(self, idx: int):
        """Run the pipeline; apply the ``bad_image`` policy to bad files.

        Bad files are those that cannot be decoded.
        """
        try:
            return super().prepare_data(idx)
        except Exception:
            path = self.get_data_info(idx).get('img_path', '?')
            reason = image_problem(path)
            if reason is None:
                raise  # not the image's fault: a real error in the pipeline
            if self.bad_image == 'raise' or self.test_mode:
                raise DataError(
                    f'Cannot read image {path}: {reason}.',
                    fix=self._bad_image_fix(path),
                    path=path) from None
            self.bad_images.append(path)
            if self._bad_count is not None:
                with self._bad_count.get_lock():
                    self._bad_count.value += 1
            MMLogger.get_current_instance().warning(
                f'Skipped unreadable image {path} ({reason}); another sample '
                'is used instead.')
            return None

    def _missing_data_fix(self, first: Optional[str] = None) -> str:
        """What to do about a missing image folder or label file.

        A test set (``test_mode``) is also what ``tools/test.py --test-dir``
        replaces: a folder of images needs no config change.
        """
        first = first or ('prepare the data (python tools/prepare_data.py '
                          '--help) or set data_root/data_prefix in the '
                          'config')
        if self.test_mode:  # a val or test set
            return ('to predict a folder of test images, pass it to '
                    'python tools/test.py CONFIG CHECKPOINT --test-dir FOLDER '
                    f'--out preds.csv; else {first}, e.g. --cfg-options '
                    'test_dataloader.dataset.data_root=/your/path (or '
                    'val_dataloader...).')
        return (f'{first}, e.g. --cfg-options '
                'train_dataloader.dataset.data_root=/your/path.')

    def _bad_image_fix(self, path: str) -> str:
        """What to do about an unreadable image, for this data set's kind."""
        if self.ann_file:
            also = f' and its line in the label file {self.ann_file}'
        elif self.with_label and osp.isfile(osp.splitext(path)[0] + '.txt'):
            also = ' and the img_N.txt label file beside it'
        else:  # folders and unlabeled test folders have no label file
            also = ''
        tool = ('' if not self.with_label else
                '; python tools/analysis/dataset_report.py lists all such '
                'files')
        return f'replace or delete the file{also}{tool}.'

    def _resolve_layout(self) -> str:
        """The layout to read, decided and logged once per data set."""
        if self.layout == 'unlabeled':
            return 'unlabeled'
        if self.layout != 'auto':
            return self.layout
        if self.ann_file:
            layout, why = 'list', f'ann_file {self.ann_file}'
        elif not self.with_label:
            return 'unlabeled'  # CustomDataset(with_label=False), no list
        elif not osp.isdir(self.img_prefix):
            return 'folder'  # the missing folder is reported by the caller
        else:
            layout, why = detect_layout(self.img_prefix, self.extensions)
        MMLogger.get_current_instance().info(
            f'GarbageDataset: layout {layout!r} for '
            f'{self.img_prefix or self.ann_file} ({why}).')
        return layout

    def _find_huawei_classes(self) -> Optional[List[str]]:
        for folder in (self.img_prefix, osp.dirname(
                self.img_prefix.rstrip('/')), self.data_root):
            rule = osp.join(folder, HUAWEI_RULE)
            if folder and osp.isfile(rule):
                return read_class_names(rule)
        return None

    def load_data_list(self) -> List[dict]:
        """Load image paths and labels, checking them on the way."""
        prefix = self.img_prefix
        layout = self._resolve_layout()
        if layout != 'list' and not osp.isdir(prefix):
            raise DataError(
                f'Image folder {prefix or "(empty data_prefix)"} does not '
                'exist.',
                fix=self._missing_data_fix(),
                path=prefix)

        if layout == 'unlabeled':
            files = []
            for root, _, names in os.walk(prefix, followlinks=True):
                files += [
                    osp.relpath(osp.join(root, n), prefix) for n in names
                    if self.is_valid_file(n)
                ]
            if not files:
                raise DataError(
                    f'No images found in {prefix}.',
                    fix=f'supported extensions: {self.extensions}.',
                    path=prefix)
            files.sort(key=natural_key)
            self._set_bins()
            return [{'img_path': osp.join(prefix, f)} for f in files]

        if layout == 'folder':
            samples = self._scan_class_folders(prefix)
        elif layout == 'huawei':
            if self._auto_classes:
                names = self._find_huawei_classes()
                if names is None:
                    raise DataError(
                        f'No class names for the Huawei layout in {prefix}: '
                        f'{HUAWEI_RULE} was not found beside it.',
                        fix=f'set classes="path/to/{HUAWEI_RULE}".',
                        path=prefix)
                self._metainfo['classes'] = tuple(names)
            samples = scan_huawei_folder(prefix)
        else:  # list
            if not osp.isfile(self.ann_file):
                raise DataError(
                    f'Label file {self.ann_file} does not exist.',
                    fix=self._missing_data_fix(
                        'check ann_file/data_root in the config, or run '
                        'tools/prepare_data.py to write the split files'),
                    path=self.ann_file)
            with open(self.ann_file, encoding='utf-8-sig') as f:
                lines = [(i + 1, ln.strip()) for i, ln in enumerate(f)
                         if ln.strip()]
            if not lines:
                raise DataError(
                    f'Label file {self.ann_file} lists no images.',
                    fix='regenerate it.',
                    path=self.ann_file)
            if not self.with_label:  # CustomDataset: a list of paths
                paths = [ln for _, ln in lines]
                self._check_files(paths, self.ann_file)
                self._set_bins()
                return [{'img_path': osp.join(prefix, p)} for p in paths]
            samples = [parse_ann_line(ln, self.ann_file, i) for i, ln in lines]

        self._check_samples(samples, layout)
        self._set_bins()
        return [{
            'img_path': osp.join(prefix, p),
            'gt_label': int(lbl)
        } for p, lbl in samples]

    def _set_bins(self) -> None:
        """``bins``/``class_to_bin`` metainfo from the class names."""
        if not self._metainfo.get('classes'):
            return
        bins, class_to_bin = split_bins(self._metainfo['classes'],
                                        self.class_bins)
        if bins is not None:
            self._metainfo['bins'] = bins
            self._metainfo['class_to_bin'] = class_to_bin

    def _scan_class_folders(self, prefix: str) -> List[Tuple[str, int]]:
        folders = sorted(
            d for d in os.listdir(prefix) if osp.isdir(osp.join(prefix, d)))
        if not folders:
            raise DataError(
                f'{prefix} has no class sub-folders.',
                fix='use one folder per class (data/my_set/train/<class>/'
                'x.jpg), or set layout/ann_file for another layout.',
                path=prefix)
        if self._auto_classes:
            self._metainfo['classes'] = tuple(folders)
        classes = list(self._metainfo['classes'])
        unknown = sorted(set(folders) - set(classes))
        if unknown:
            raise DataError(
                f'Folders {unknown} in {prefix} are not in the class list '
                f'{classes}.',
                fix='rename the folders or fix `classes`.',
                path=prefix)
        samples = []
        for folder in folders:
            label = classes.index(folder)
            for root, _, names in os.walk(
                    osp.join(prefix, folder), followlinks=True):
                samples += [(osp.relpath(osp.join(root, n), prefix), label)
                            for n in names if self.is_valid_file(n)]
        samples.sort(key=lambda s: natural_key(s[0]))
        return samples

    def _check_samples(self, samples: List[Tuple[str, int]],
                       layout: str) -> None:
        classes = self._metainfo.get('classes')
        source = self.ann_file if layout == 'list' else self.img_prefix
        if not classes:
            # as mmpretrain's CustomDataset: a list without class names
            # trains on the label numbers
            labels = sorted({lbl for _, lbl in samples})
            if labels and labels[0] < 0:
                raise DataError(
                    f'Negative label {labels[0]} in {source}.',
                    fix='labels are zero-based class indices.',
                    path=source)
            MMLogger.get_current_instance().warning(
                f'No class names for {source}: predictions and reports will '
                'show label numbers. Set classes=[...] or '
                'classes="classes.txt" in the config to name them.')
            self._check_files([p for p, _ in samples], source)
            return
        n = len(classes)
        bad = [(p, lbl) for p, lbl in samples if not 0 <= lbl < n]
        if bad:
            raise DataError(
                f'{len(bad)} labels in {source} are outside 0..{n - 1} '
                f'(the {n} classes), e.g. {bad[0]}.',
                fix='labels are zero-based indices into the class list; check '
                'that the class-names file matches the labels.',
                path=source)
        counts = [0] * n
        for _, lbl in samples:
            counts[lbl] += 1
        empty = [classes[i] for i, c in enumerate(counts) if c == 0]
        if empty:
            allow = (
                self._allow_empty
                if self._allow_empty is not None else self.test_mode)
            msg = (f'{len(empty)} of {n} classes have no images in {source}: '
                   f'{empty}.')
            if not allow:
                raise DataError(
                    msg,
                    fix='add images for these classes, or remove them '
                    'from the class list (and relabel), or accept it '
                    'knowingly: --allow-empty-classes for '
                    'tools/prepare_data.py, allow_empty_classes=True in '
                    'a dataset config (such a class is never predicted '
                    'right).',
                    path=source)
            MMLogger.get_current_instance().warning(msg)
        self._check_files([p for p, _ in samples], source)

    def _check_files(self, paths: List[str], source: str) -> None:
        """With ``check_files``, every listed image must exist."""
        if self.check_files:
            missing = [
                p for p in paths
                if not osp.isfile(osp.join(self.img_prefix, p))
            ]
            if missing:
                raise DataError(
                    f'{len(missing)} images listed in {source} do not exist '
                    f'under {self.img_prefix}, e.g. {missing[:3]}.',
                    fix='check data_prefix (the image folder) in the config, '
                    'or regenerate the label file. To predict every image in '
                    'a folder without labels (a leaderboard test set), run '
                    'python tools/test.py CONFIG CKPT --out preds.csv '
                    '--test-dir FOLDER instead of changing data_prefix.',
                    path=source)
