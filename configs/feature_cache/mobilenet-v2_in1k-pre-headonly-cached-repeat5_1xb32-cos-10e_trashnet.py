# The course reports' "repeat" trick on cached features: each training image
# is extracted 5 times through the random training pipeline
# (RandomResizedCrop + flip); every epoch serves each image once, as one of
# its 5 copies at random. Extraction costs 5 passes over the training set.
_base_ = ['./mobilenet-v2_in1k-pre-headonly-cached_1xb32-cos-10e_trashnet.py']

train_dataloader = dict(
    dataset=dict(
        cache_file='work_dirs/feature_cache/mobilenet-v2_in1k-pre_trashnet/'
        'train-repeat5.pth',
        repeat=5,
        copies='random',  # 'all': every copy is an item (5x longer epochs)
        dataset=dict(pipeline={{_base_.train_pipeline}})))
