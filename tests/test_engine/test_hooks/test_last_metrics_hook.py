"""LastMetricsHook: holds the metrics of the last validation of a run."""
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmext.engine.hooks import LastMetricsHook


class Points(Dataset):
    """Eight 2-d points of two classes."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=torch.tensor([float(i % 2), 1.0]), label=i % 2)


class Linear(torch.nn.Module):
    """An mmengine model: loss in training, (prediction, label) in val."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 2)
        self.data_preprocessor = torch.nn.Identity()

    def forward(self, inputs, label, mode='tensor'):
        logits = self.fc(inputs)
        if mode == 'loss':
            return dict(loss=torch.nn.functional.cross_entropy(logits, label))
        return list(zip(logits.argmax(1).tolist(), label.tolist()))

    def train_step(self, data, optim_wrapper):
        loss = self(**data, mode='loss')['loss']
        optim_wrapper.update_params(loss)
        return dict(loss=loss)

    def val_step(self, data):
        return self(**data, mode='predict')


def test_holds_a_copy_of_the_last_metrics():
    hook = LastMetricsHook()
    assert hook.metrics == {}
    first = {'accuracy/top1': 80.0}
    hook.after_val_epoch(None, first)
    first['accuracy/top1'] = 0.0  # the hook keeps its own copy
    assert hook.metrics == {'accuracy/top1': 80.0}
    hook.after_val_epoch(None, {'accuracy/top1': 90.0, 'loss': 0.1})
    assert hook.metrics == {'accuracy/top1': 90.0, 'loss': 0.1}
    hook.after_val_epoch(None, None)  # a validation without metrics
    assert hook.metrics == {}


def test_after_training_it_holds_the_last_epochs_validation(tmp_path):
    from mmengine.evaluator import BaseMetric

    class Count(BaseMetric):
        """Accuracy and the number of validations so far."""

        def __init__(self):
            super().__init__()
            self.epoch = 0

        def process(self, data_batch, data_samples):
            self.results += [int(p == t) for p, t in data_samples]

        def compute_metrics(self, results):
            self.epoch += 1
            return dict(
                acc=100.0 * sum(results) / len(results), epoch=self.epoch)

    init_default_scope('mmengine')
    loader = dict(
        dataset=Points(),
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=4,
        num_workers=0,
        collate_fn=dict(type='default_collate'))
    runner = Runner(
        model=Linear(),
        work_dir=str(tmp_path),
        train_dataloader=loader,
        val_dataloader=loader,
        val_evaluator=[Count()],
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=3, val_interval=1),
        val_cfg=dict(),
        default_hooks=dict(checkpoint=None, logger=None),
        experiment_name='last_metrics_hook')
    hook = LastMetricsHook()
    runner.register_hook(hook)
    runner.train()
    assert hook.metrics['epoch'] == 3  # the third (last) validation
    assert 0.0 <= hook.metrics['acc'] <= 100.0
