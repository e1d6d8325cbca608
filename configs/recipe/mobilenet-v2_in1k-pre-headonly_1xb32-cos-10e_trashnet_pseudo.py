# The main TrashNet job trained on its labelled images + pseudo-labels.
# 1. train the main config, 2. pseudo-label an unlabeled folder with it:
#   python tools/pseudo_label.py \
#       configs/mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py \
#       work_dirs/.../best_accuracy_top1_epoch_N.pth data/trashnet_unlabeled \
#       --thr 0.9 --out data/trashnet/meta/pseudo.txt
# 3. train this config (validation stays on the labelled val set).
# The paths in pseudo.txt are relative to the unlabeled folder, which is the
# second data set's data_prefix. Change both paths with --cfg-options
# train_dataloader.dataset.datasets.1.data_prefix=... / .ann_file=...
_base_ = '../mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py'

pseudo_images = 'data/trashnet_unlabeled'
pseudo_list = 'data/trashnet/meta/pseudo.txt'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            _base_.train_dataloader.dataset,  # the labelled training set
            dict(
                type='GarbageDataset',
                data_prefix=pseudo_images,
                ann_file=pseudo_list,
                layout='list',
                classes='data/trashnet/meta/classes.txt',
                # same classes and bins as the labelled set (ConcatDataset
                # refuses data sets whose metainfo differs)
                class_bins=_base_.class_bins,
                # a confident model may never predict a rare class
                allow_empty_classes=True,
                pipeline=_base_.train_pipeline),
        ]))
