# The 20-epoch / 224 px recipe trained on every labelled TrashNet image
# (train + val: meta/trainval.txt from tools/prepare_data.py): its final
# model, tested with --tta at resize 288 / crop 256, or averaged with a
# 256 px run into the soup of two resolutions (the commands: README.md
# beside this file). No validation: the val images are training images here.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-20e_trashnet-224px.py'

train_dataloader = dict(dataset=dict(ann_file='meta/trainval.txt'))
val_dataloader = None
val_evaluator = None
val_cfg = None
default_hooks = dict(checkpoint=dict(save_best=None))
