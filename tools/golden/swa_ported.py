"""PyTorch's own test/optim/test_swa_utils.py scenarios, recorded for swa_pytorch_tests.json.gz.

Imported by swa_utils.py (run that one). Linear layers stand in for Conv2d, which SharpOptim
does not have; the tests never run those models forward.
"""

import torch

import common as C
from swa_common import bn_record, sd_json, shaped
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn, get_swa_multi_avg_fn, update_bn

nn = torch.nn


def ported_averaged_model(ema):
    """_test_averaged_model / _run_averaged_steps (CPU, CPU): 10 updates after p += randn."""
    torch.manual_seed(5)
    # The test's Sequential(Conv2d(1, 5, 3), ReLU, MaxPool2d(2), BatchNorm2d(5, momentum=0.3),
    # Conv2d(5, 2, 3), ReLU, Linear(5, 5), ReLU, Linear(5, 10)) with Linear for each Conv2d
    # (SharpOptim has no convolutions; the test never runs a forward pass).
    dnn = nn.Sequential(
        nn.Linear(9, 5), nn.ReLU(), nn.BatchNorm1d(5, momentum=0.3),
        nn.Linear(45, 2), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 10))
    initial = sd_json(dnn)
    ema_decay = 0.999
    if ema:
        averaged_dnn = AveragedModel(dnn, multi_avg_fn=get_ema_multi_avg_fn(ema_decay))
    else:
        averaged_dnn = AveragedModel(dnn, multi_avg_fn=get_swa_multi_avg_fn())
    averaged_params = [torch.zeros_like(param) for param in dnn.parameters()]
    n_updates = 10
    states, updates = [], []
    for i in range(n_updates):
        for p, p_avg in zip(dnn.parameters(), averaged_params):
            p.detach().add_(torch.randn_like(p))
            if ema:
                p_avg += p.detach() * ema_decay ** (n_updates - i - 1) * ((1 - ema_decay) if i > 0 else 1.0)
            else:
                p_avg += p.detach() / n_updates
        states.append(sd_json(dnn))
        averaged_dnn.update_parameters(dnn)
        updates.append(sd_json(averaged_dnn))
    for p_avg, p_swa in zip(averaged_params, averaged_dnn.parameters()):
        torch.testing.assert_close(p_avg, p_swa)  # the test's own assertion holds here
    return {
        "id": f"averaged_model/{'ema' if ema else 'swa'}",
        "ema": ema,
        "initial": initial,
        "states": states,
        "updates": updates,
        "test_expected_params": [shaped(p) for p in averaged_params],
    }


def ported_averaged_model_exponential(use_multi_avg_fn, use_buffers):
    """test_averaged_model_exponential, with Linear in place of the Conv2d."""
    torch.manual_seed(6)
    dnn = nn.Sequential(nn.Linear(9, 5), nn.BatchNorm1d(5, momentum=0.3), nn.Linear(5, 10))
    initial = sd_json(dnn)
    decay = 0.9
    if use_multi_avg_fn:
        averaged_dnn = AveragedModel(dnn, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=use_buffers)
    else:
        def avg_fn(p_avg, p, n_avg):
            return decay * p_avg + (1 - decay) * p

        averaged_dnn = AveragedModel(dnn, avg_fn=avg_fn, use_buffers=use_buffers)
    dnn_params = list(dnn.parameters()) + list(dnn.buffers()) if use_buffers else list(dnn.parameters())
    averaged_params = [torch.zeros_like(param) for param in dnn_params if param.size() != torch.Size([])]
    n_updates = 10
    states, updates = [], []
    for i in range(n_updates):
        updated_averaged_params = []
        for p, p_avg in zip(dnn_params, averaged_params):
            if p.size() == torch.Size([]):
                continue
            p.detach().add_(torch.randn_like(p))
            if i == 0:
                updated_averaged_params.append(p.clone())
            else:
                updated_averaged_params.append((p_avg * decay + p * (1 - decay)).clone())
        states.append(sd_json(dnn))
        averaged_dnn.update_parameters(dnn)
        updates.append(sd_json(averaged_dnn))
        averaged_params = updated_averaged_params
    return {
        "id": f"averaged_model_exponential/{'multi_avg_fn' if use_multi_avg_fn else 'avg_fn'}/"
              f"{'buffers' if use_buffers else 'params'}",
        "use_multi_avg_fn": use_multi_avg_fn,
        "use_buffers": use_buffers,
        "decay": decay,
        "initial": initial,
        "states": states,
        "updates": updates,
        "test_expected": [shaped(p) for p in averaged_params],
    }


class SWATestDNN(nn.Module):
    def __init__(self, input_features, momentum=0.1):
        super().__init__()
        self.n_features = 100
        self.fc1 = nn.Linear(input_features, self.n_features)
        self.bn = nn.BatchNorm1d(self.n_features, momentum=momentum)

    def compute_preactivation(self, x):
        return self.fc1(x)

    def forward(self, x):
        return self.bn(self.fc1(x))


class RecordingLoader:
    """Wraps a DataLoader and keeps every batch of every pass, in order."""

    def __init__(self, loader):
        self.loader = loader
        self.passes = []

    def __iter__(self):
        batches = []
        self.passes.append(batches)
        for b in self.loader:
            batches.append(b)
            yield b


def batches_json(batches):
    return [[shaped(t) for t in b] for b in batches]


def ported_update_bn_dnn():
    """test_update_bn_dnn (CPU part): update_bn through loaders of [x] and [x, y] batches."""
    torch.manual_seed(7)
    objects, input_features = 100, 5
    x = torch.rand(objects, input_features)
    y = torch.rand(objects)
    ds_x = torch.utils.data.TensorDataset(x)
    ds_xy = torch.utils.data.TensorDataset(x, y)
    dl_x = RecordingLoader(torch.utils.data.DataLoader(ds_x, batch_size=5, shuffle=True))
    dl_xy = RecordingLoader(torch.utils.data.DataLoader(ds_xy, batch_size=5, shuffle=True))
    dnn = SWATestDNN(input_features=input_features)
    dnn.train()
    initial = sd_json(dnn)

    preactivation_sum = torch.zeros(dnn.n_features)
    preactivation_squared_sum = torch.zeros(dnn.n_features)
    total_num = 0
    for xb in dl_x:
        xb = xb[0]
        dnn.forward(xb)
        preactivations = dnn.compute_preactivation(xb)
        preactivations = preactivations.contiguous().view(-1, dnn.n_features)
        total_num += preactivations.shape[0]
        preactivation_sum += torch.sum(preactivations, dim=0)
        preactivation_squared_sum += torch.sum(preactivations ** 2, dim=0)
    preactivation_mean = preactivation_sum / total_num
    preactivation_var = preactivation_squared_sum / total_num - preactivation_mean ** 2
    state_before_update_bn = sd_json(dnn)  # the forward passes above moved the running stats

    def reset_bn(module):
        if issubclass(module.__class__, nn.modules.batchnorm._BatchNorm):
            module.running_mean = torch.zeros_like(module.running_mean)
            module.running_var = torch.ones_like(module.running_var)

    results = []

    def update_and_check(loader, name, pass_index):
        update_bn(loader, dnn)
        # the test's own assertions hold here
        torch.testing.assert_close(preactivation_mean, dnn.bn.running_mean)
        torch.testing.assert_close(preactivation_var, dnn.bn.running_var, atol=1e-1, rtol=0)
        results.append({"loader": name, "pass": pass_index, "bn": bn_record(dnn.bn)})

    update_and_check(dl_xy, "xy", 0)
    dnn.apply(reset_bn)
    update_and_check(dl_xy, "xy", 1)
    dnn.apply(reset_bn)
    update_and_check(dl_x, "x", 1)
    return {
        "id": "update_bn_dnn",
        "initial": initial,
        "state_before_update_bn": state_before_update_bn,
        "x_passes": [batches_json(p) for p in dl_x.passes],
        "xy_passes": [batches_json(p) for p in dl_xy.passes],
        "preactivation_mean": shaped(preactivation_mean),
        "preactivation_var": shaped(preactivation_var),
        "results": results,
        "training_after": dnn.training,
    }


def ported_bn_update_eval_momentum():
    """test_bn_update_eval_momentum, with the DNN (BatchNorm1d, momentum 0.3) for the CNN."""
    torch.manual_seed(8)
    x = torch.rand(100, 5)
    dl_x = RecordingLoader(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x), batch_size=5, shuffle=True))
    dnn = SWATestDNN(input_features=5, momentum=0.3)
    initial = sd_json(dnn)
    dnn.eval()
    update_bn(dl_x, dnn)
    return {
        "id": "bn_update_eval_momentum",
        "initial": initial,
        "x_passes": [batches_json(p) for p in dl_x.passes],
        "training_after": dnn.training,
        "bn": bn_record(dnn.bn),
    }


def record_pytorch_tests():
    cases = [ported_averaged_model(ema) for ema in (True, False)]
    cases += [ported_averaged_model_exponential(m, b) for m in (True, False) for b in (True, False)]
    cases.append(ported_update_bn_dnn())
    cases.append(ported_bn_update_eval_momentum())
    return {**C.header("swa_utils tests"), "cases": cases}
