# Head-only training on 5 cached augmented views per image.
_base_ = ['./mobilenet-v2_in1k-pre-headonly-cached_1xb32-cos-10e_trashnet.py']

train_dataloader = dict(
    dataset=dict(
        cache_file='work_dirs/feature_cache/mobilenet-v2_in1k-pre_trashnet/'
        'train-repeat5.pth',
        repeat=5,
        copies='random',  # 'all': every copy is an item (5x longer epochs)
        dataset=dict(pipeline={{_base_.train_pipeline}})))
