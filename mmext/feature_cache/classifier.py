"""``FeatureClassifier``: an ImageClassifier that also trains on cached
features.

It *is* mmpretrain's :class:`ImageClassifier` (same backbone, neck, head,
loss and ``state_dict`` keys), with two differences:

- the backbone and neck are frozen (no gradients, always in eval mode), as
  the features in the cache were computed by them in eval mode;
- a batch of pooled feature vectors (``[N, C]``, from
  :class:`FeatureCacheDataset`) skips the backbone and neck and goes straight
  to the head; a batch of images goes the normal way.

So the head trains on features with the config's own head, loss, optimizer,
schedule, hooks and metrics, its checkpoints are ordinary full-model
checkpoints, and ``tools/test.py`` / single-image inference run on images
with the same config (or with the image config it derives from).
"""
from typing import List, Optional

import torch
from mmpretrain.models import ClsDataPreprocessor, ImageClassifier
from mmpretrain.registry import MODELS

_CLS_PRE = ('ClsDataPreprocessor', 'mmpretrain.ClsDataPreprocessor')


def is_feature_batch(inputs) -> bool:
    """Whether ``inputs`` are pooled feature vectors rather than images."""
    if isinstance(inputs, torch.Tensor):
        return inputs.dim() == 2
    if isinstance(inputs, (list, tuple)) and inputs:
        return isinstance(inputs[0], torch.Tensor) and inputs[0].dim() == 1
    return False


@MODELS.register_module()
class FeatureDataPreprocessor(ClsDataPreprocessor):
    """ClsDataPreprocessor that passes pooled feature vectors through.

    Feature vectors are stacked and moved to the model's device (no colour
    conversion, normalization or batch augments: they were applied, as far
    as they apply, before the features were extracted). Images are
    preprocessed exactly as by :class:`ClsDataPreprocessor`.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        """Stack features, or preprocess images as usual.

        Args:
            data: A collated batch.
            training: Whether in training.

        Returns:
            ``dict(inputs=..., data_samples=...)``.
        """
        if not is_feature_batch(data['inputs']):
            return super().forward(data, training)
        inputs = data['inputs']
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.stack(list(inputs))
        inputs = self.cast_data(inputs).float()
        samples = data.get('data_samples')
        if samples is not None:
            samples = self.cast_data(samples)
        return {'inputs': inputs, 'data_samples': samples}


@MODELS.register_module()
class FeatureClassifier(ImageClassifier):
    """An :class:`ImageClassifier` with a frozen backbone/neck that also
    accepts cached feature vectors.

    Args:
        *args: As for :class:`ImageClassifier`.
        data_preprocessor: As for :class:`ImageClassifier`; a
            ``ClsDataPreprocessor`` (the default) becomes a
            :class:`FeatureDataPreprocessor` with the same settings.
        **kwargs: As for :class:`ImageClassifier`.
    """

    def __init__(self,
                 *args,
                 data_preprocessor: Optional[dict] = None,
                 **kwargs):
        if data_preprocessor is None or isinstance(data_preprocessor, dict):
            data_preprocessor = dict(data_preprocessor or {})
            if data_preprocessor.get('type',
                                     'ClsDataPreprocessor') in _CLS_PRE:
                data_preprocessor['type'] = 'FeatureDataPreprocessor'
        super().__init__(*args, data_preprocessor=data_preprocessor, **kwargs)
        for module in self.frozen_modules():
            for param in module.parameters():
                param.requires_grad = False

    def frozen_modules(self) -> List[torch.nn.Module]:
        """The backbone and (if any) the neck: what the cache replaces."""
        return [m for m in (self.backbone, self.neck) if m is not None]

    def train(self, mode: bool = True) -> 'FeatureClassifier':
        """Set training mode, keeping the backbone and neck in eval mode."""
        super().train(mode)
        for module in self.frozen_modules():
            module.eval()
        return self

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck'):
        """Backbone + neck on images; feature vectors are returned as is.

        Args:
            inputs: Images ``[N, 3, H, W]`` or features ``[N, C]``.
            stage: As for :meth:`ImageClassifier.extract_feat`.

        Returns:
            A tuple of feature tensors (what the head expects).
        """
        if is_feature_batch(inputs):
            if stage == 'pre_logits':
                return self.head.pre_logits((inputs, ))
            return (inputs, )
        return super().extract_feat(inputs, stage)
