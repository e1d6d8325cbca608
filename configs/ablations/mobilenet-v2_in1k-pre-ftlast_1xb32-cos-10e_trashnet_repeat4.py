# + dataset repeat x4 (the MindSpore course report's "repeat x4"): every epoch
# sees each image 4 times under fresh random augmentation, so an epoch is 4x
# longer (the cosine schedule follows, being iteration-based).
_base_ = './mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=4,
        dataset={{_base_.train_dataloader.dataset}}))
