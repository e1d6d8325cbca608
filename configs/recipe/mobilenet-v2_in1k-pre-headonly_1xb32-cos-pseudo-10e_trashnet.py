# Head-only TrashNet job trained on labels + pseudo-labels.
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
