# The generic data set base: GarbageDataset train/val/test sets with
# mmpretrain's ImageNet preprocessing and pipelines (imagenet_bs32.py),
# evaluated with top-1/top-5 and the bin-level accuracy (BinAccuracy).
# A data set base inherits it and sets only what differs: data_root, the
# class names, num_classes and where the images and labels are, e.g.
#   _base_ = './garbage_dataset_bs32.py'
#   data_root = 'data/my_set'
#   classes = 'meta/classes.txt'
#   data_preprocessor = dict(num_classes=10)
#   train_dataloader = dict(
#       dataset=dict(data_root=data_root, ann_file='meta/train.txt',
#                    data_prefix='images', classes=classes))
#   val_dataloader = dict(
#       dataset=dict(data_root=data_root, ann_file='meta/val.txt',
#                    data_prefix='images', classes=classes))
#   test_dataloader = val_dataloader
# (the layout tools/prepare_data.py writes; see trashnet_bs32.py).
_base_ = 'mmpretrain::_base_/datasets/imagenet_bs32.py'

dataset_type = 'GarbageDataset'

# BGR (as OpenCV decodes) -> RGB, ImageNet mean/std (imagenet_bs32.py): the
# same in training, testing and single-image inference, since all use this
# preprocessor. Set num_classes in the data set base.

# The pipelines of imagenet_bs32.py, spelled out here once: referring to the
# base's own lists would mark every transform with _scope_='mmpretrain'.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(_delete_=True, type=dataset_type, pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        test_mode=True,
        pipeline=test_pipeline),
)
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='BinAccuracy')]

test_dataloader = val_dataloader
test_evaluator = val_evaluator
