# Ablation base + class-balanced sampling (ClassBalancedDataset).
_base_ = './mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=0.1,
        dataset={{_base_.train_dataloader.dataset}}))
