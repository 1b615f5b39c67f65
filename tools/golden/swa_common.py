"""Helpers shared by the swa_utils recording scripts (swa_utils.py, swa_ported.py, swa_swalr.py)."""

import torch

import common as C


def sd_json(module_or_sd):
    """A module's state dict (or a state dict) as {key: tagged tensor}, in PyTorch's key order."""
    sd = module_or_sd.state_dict() if isinstance(module_or_sd, torch.nn.Module) else module_or_sd
    return {k: C.tensor_json_full(v) for k, v in sd.items()}


def shaped(t):
    return C.tensor_json_shaped(t)


def bn_record(bn):
    return {
        "running_mean": shaped(bn.running_mean),
        "running_var": shaped(bn.running_var),
        "num_batches_tracked": int(bn.num_batches_tracked),
        "momentum": bn.momentum,
        "training": bn.training,
    }
