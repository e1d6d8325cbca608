# TrashNet (Thung & Yang 2016): 6 classes, official train/val split lists.
# Lay it out with:
#   python tools/prepare_data.py trashnet --src ../shared/data/trashnet
_base_ = './garbage_dataset_bs32.py'

data_root = 'data/trashnet'
classes = 'meta/classes.txt'
# the 4-bin level reported by BinAccuracy
class_bins = dict(
    glass='recyclable',
    paper='recyclable',
    cardboard='recyclable',
    plastic='recyclable',
    metal='recyclable',
    trash='other')

data_preprocessor = dict(num_classes=6)

train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix='images',
        classes=classes,
        class_bins=class_bins))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='meta/val.txt',
        data_prefix='images',
        classes=classes,
        class_bins=class_bins))
test_dataloader = val_dataloader
