"""Dataloader settings follow the machine: no more workers than CPUs."""
import pytest
from mmengine.config import Config

from mmext.apis.runner_setup import available_cpus, fit_dataloaders


def _cfg(workers: int) -> Config:
    loader = dict(
        batch_size=2,
        num_workers=workers,
        persistent_workers=True,
        pin_memory=True)
    return Config(
        dict(
            train_dataloader=dict(loader),
            val_dataloader=dict(loader, num_workers=0)))


def test_workers_capped_at_available_cpus(monkeypatch):
    monkeypatch.delenv('LOCAL_WORLD_SIZE', raising=False)
    cfg = _cfg(available_cpus() + 7)
    fit_dataloaders(cfg)
    assert cfg.train_dataloader.num_workers == available_cpus()
    assert cfg.val_dataloader.num_workers == 0
    assert cfg.val_dataloader.persistent_workers is False  # needs workers


def test_fewer_workers_than_cpus_are_kept(monkeypatch):
    monkeypatch.delenv('LOCAL_WORLD_SIZE', raising=False)
    cfg = _cfg(1)
    fit_dataloaders(cfg)
    assert cfg.train_dataloader.num_workers == 1


def test_processes_on_one_machine_share_the_cpus(monkeypatch):
    monkeypatch.setattr('mmext.apis.runner_setup.available_cpus', lambda: 8)
    monkeypatch.setenv('LOCAL_WORLD_SIZE', '4')
    cfg = _cfg(5)
    fit_dataloaders(cfg)
    assert cfg.train_dataloader.num_workers == 2


@pytest.mark.skipif(
    __import__('torch').cuda.is_available(),
    reason='pinned memory is kept where CUDA is')
def test_no_pinned_memory_without_cuda():
    cfg = _cfg(1)
    fit_dataloaders(cfg)
    assert cfg.train_dataloader.pin_memory is False
