# Head-only TrashNet training on cached backbone features.
_base_ = ['../mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py']

cache_dir = 'work_dirs/feature_cache/mobilenet-v2_in1k-pre_trashnet'

# An ImageClassifier whose frozen backbone/neck are skipped for feature input.
model = dict(type='FeatureClassifier')

# Features of the deterministic test pipeline, one copy per training image.
# (For N randomly augmented copies per image, see the -repeat5 config.)
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='FeatureCacheDataset',
        cache_file=cache_dir + '/train.pth',
        repeat=1,
        # the image training set, read with the test pipeline
        dataset=dict(
            _base_.train_dataloader.dataset, pipeline=_base_.test_pipeline)))

val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='FeatureCacheDataset',
        cache_file=cache_dir + '/val.pth',
        dataset={{_base_.val_dataloader.dataset}}))
# test_dataloader stays on images: tools/test.py runs the full network.

# Refuse a cache extracted with other backbone weights before training.
custom_hooks = _base_.custom_hooks + [dict(type='FeatureCacheCheckHook')]
