"""``SamplePairing`` (Inoue 2018): average each image with another one.

Registered in mmpretrain's ``BATCH_AUGMENTS`` beside ``Mixup`` and ``CutMix``,
so it is switched on the same way::

    model = dict(train_cfg=dict(augments=dict(type='SamplePairing')))

``ImageClassifier`` hands ``train_cfg`` to its data preprocessor, which wraps
the augments in mmpretrain's ``RandomBatchAugment`` and calls them on the
normalised batch during training only (never in validation or test).
Averaging normalised images equals normalising the averaged pixels, since the
normalisation is affine.

The paper's schedule (off for the first epochs, then intermittently on, then
off for the final fine-tuning epochs) is driven by
:class:`mmext.engine.hooks.sample_pairing_hook.SamplePairingHook`, which flips
:attr:`SamplePairing.enabled` at the start of each epoch.
"""
from typing import Tuple

import torch
from mmpretrain.registry import BATCH_AUGMENTS

from ..errors import ConfigError


@BATCH_AUGMENTS.register_module()
class SamplePairing:
    """Average each image pixel-wise with another image of the batch.

    Unlike Mixup, the label stays the first image's (the paper's rule), and
    the mixing ratio is always 0.5. Partners are drawn as a random cyclic
    shift of a random permutation, so in a batch of two or more images every
    image is paired with a *different* image and each image is used as a
    partner exactly once.

    Args:
        prob: Probability that an image of the batch is paired (each image
            independently). The paper pairs every image: 1.0.
        enabled: Whether pairing happens at all. The schedule hook sets it
            each epoch; when False the batch passes through unchanged.
    """

    def __init__(self, prob: float = 1.0, enabled: bool = True):
        self.prob = self.check_prob(prob)
        self.enabled = bool(enabled)

    @staticmethod
    def check_prob(prob: float) -> float:
        """Validate a pairing probability.

        Args:
            prob: The value to check.

        Returns:
            ``prob`` as a float.
        """
        if isinstance(prob, bool) or not isinstance(prob, (int, float)) \
                or not 0.0 <= float(prob) <= 1.0:
            raise ConfigError(
                'SamplePairing prob must be a number in [0, 1], '
                f'got {prob!r}.',
                fix='set e.g. model.train_cfg.augments=dict('
                "type='SamplePairing', prob=1.0).")
        return float(prob)

    def sample(
            self,
            batch_size: int,
            device: torch.device = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """Draw the partner of every image and which images are paired.

        Args:
            batch_size: Number of images N.
            device: Device of the returned tensors.

        Returns:
            ``(partner, paired)``: a LongTensor ``(N,)`` with the index of each
            image's partner (never itself when N > 1) and a BoolTensor ``(N,)``
            telling which images get averaged.
        """
        perm = torch.randperm(batch_size, device=device)
        partner = torch.empty_like(perm)
        partner[perm] = perm.roll(-1)
        paired = torch.rand(batch_size, device=device) < self.prob
        return partner, paired

    @staticmethod
    def mix(inputs: torch.Tensor, partner: torch.Tensor,
            paired: torch.Tensor) -> torch.Tensor:
        """Average the paired images with their partners.

        Args:
            inputs: Images ``(N, C, H, W)`` (any float dtype).
            partner: ``(N,)`` index of each image's partner.
            paired: ``(N,)`` bool, which images to average.

        Returns:
            A new tensor: ``(inputs[i] + inputs[partner[i]]) / 2`` where
            ``paired[i]``, else ``inputs[i]``.
        """
        averaged = (inputs + inputs[partner]) / 2
        mask = paired.view(-1, *([1] * (inputs.dim() - 1)))
        return torch.where(mask, averaged, inputs)

    def __call__(
            self, batch_inputs: torch.Tensor,
            batch_score: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Pair the batch (when enabled); labels are returned unchanged.

        Args:
            batch_inputs: Images ``(N, C, H, W)``.
            batch_score: One-hot (or soft) labels ``(N, num_classes)``.

        Returns:
            ``(inputs, scores)``; scores are the input scores as float.
        """
        scores = batch_score.float()
        if not self.enabled or self.prob == 0.0 or batch_inputs.size(0) < 2:
            return batch_inputs, scores
        partner, paired = self.sample(
            batch_inputs.size(0), batch_inputs.device)
        return self.mix(batch_inputs, partner, paired), scores

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'enabled={self.enabled})')
