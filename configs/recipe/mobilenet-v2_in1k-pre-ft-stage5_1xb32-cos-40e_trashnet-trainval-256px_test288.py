# The best recipe (40 epochs on 256 px crops, tested at resize 320 / crop 288)
# trained on every labelled TrashNet image (train + val: meta/trainval.txt from
# tools/prepare_data.py): the final submission model, tested with --tta (the
# commands: README.md beside this file). No validation: the val images are
# training images here.
_base_ = [
    './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-40e_trashnet-256px_test288.py'
]

train_dataloader = dict(dataset=dict(ann_file='meta/trainval.txt'))
val_dataloader = None
val_evaluator = None
val_cfg = None
default_hooks = dict(checkpoint=dict(save_best=None))
