# The course head-only recipe with the training set repeated 4x.
_base_ = './mobilenet-v2_in1k-pre-headonly_1xb64-cos-40e_trashnet.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=4,
        dataset={{_base_.train_dataloader.dataset}}))
