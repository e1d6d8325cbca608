# Runtime shared by every config: mmpretrain's defaults plus this project's
# extensions (mmext registers datasets, transforms, hooks and metrics).
_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_imports = dict(imports=['mmext'], allow_failed_imports=False)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    # keep the last 3 epochs and the best one by the first val metric
    # checkpoints are written atomically (a kill mid-write keeps the old file)
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=3,
        save_best='auto',
        backend_args=dict(backend='atomic_local')),
    # the learning rate per model part (head_lr, backbone_lr), not group 0's;
    # a default hook, so the configs' custom_hooks keep their indices
    lr_by_module=dict(type='LrByModuleHook'),
    # class counts checked before the first iteration; the settings counted
    # in epochs/iterations logged in the run's real length (named default
    # hooks, so the indices of custom_hooks stay as documented)
    class_count_check=dict(type='ClassCountCheckHook'),
    run_length=dict(type='RunLengthHook'),
)

# unreadable images skipped during an epoch are counted in the log
custom_hooks = [dict(type='BadImageReportHook')]

# Reproducible by default: a fixed seed (change it per run for seed sweeps).
randomness = dict(seed=0, deterministic=False)
