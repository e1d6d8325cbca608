# SGD with momentum, linear warmup (by iteration) then step decay.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[20, 40], gamma=0.1),
]

train_cfg = dict(by_epoch=True, max_epochs=60, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# lr above was tuned for this total batch size (GPUs x batch per GPU);
# --auto-scale-lr rescales it linearly to the batch you actually use.
auto_scale_lr = dict(base_batch_size=32)
