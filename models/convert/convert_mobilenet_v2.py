"""Rebuilds nsfwjs's Keras MobileNetV2 in PyTorch from extract_nsfwjs.js's output and saves TorchScript.

Usage: python3 convert_mobilenet_v2.py EXTRACTED_DIR OUT.pt [--layer out_relu] [--logits OUT_logits.pt]

The Keras graph is interpreted layer by layer (InputLayer, ZeroPadding2D, Conv2D, DepthwiseConv2D,
BatchNormalization, ReLU(max 6), Add, AveragePooling2D, Flatten, Dense, Dropout). Every BatchNormalization is folded
into the convolution before it in float64. Explicit ZeroPadding2D layers keep Keras' asymmetric (bottom/right)
padding of the stride-2 layers; 'same' padding of stride-1 layers is symmetric. The saved model maps
N x 3 x 224 x 224 RGB in [0, 1] to the global average of the feature map at --layer (default out_relu: 1280-d).
"""
import argparse, json
import numpy as np
import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("extracted")
ap.add_argument("out")
ap.add_argument("--layer", default="out_relu", help="Keras layer whose output is pooled into the embedding")
ap.add_argument("--logits", help="also save a model returning the 5 class logits (for the parity check)")
a = ap.parse_args()

topo = json.load(open(f"{a.extracted}/topology.json"))
flat = np.fromfile(f"{a.extracted}/weights.bin", dtype="<f4")
W = {w["name"]: flat[w["offset"]:w["offset"] + w["count"]].reshape(w["shape"]).astype(np.float64) for w in topo["weights"]}
layers = topo["model_config"]["config"]["layers"]


def inputs_of(layer):
    return [n[0] for n in layer["inbound_nodes"][0]] if layer["inbound_nodes"] else []


class Step:
    """One operation of the rebuilt graph: name, op kind, input names and tensors."""
    def __init__(self, name, kind, inputs, **kw):
        self.name, self.kind, self.inputs, self.kw = name, kind, inputs, kw


# Pass 1: turn Keras layers into steps, folding each BatchNormalization into its convolution.
steps, by_name = [], {}
for L in layers:
    cls, cfg, name = L["class_name"], L["config"], L["name"]
    ins = inputs_of(L)
    if cls == "InputLayer":
        st = Step(name, "input", [])
    elif cls == "ZeroPadding2D":
        (t, b), (l, r) = cfg["padding"]
        st = Step(name, "pad", ins, pad=(l, r, t, b))
    elif cls in ("Conv2D", "DepthwiseConv2D"):
        if cls == "Conv2D":
            k = W[f"{name}/kernel"]                       # kh, kw, in, out
            weight = k.transpose(3, 2, 0, 1)              # out, in, kh, kw
            groups = 1
        else:
            k = W[f"{name}/depthwise_kernel"]             # kh, kw, C, mult
            kh, kw_, c, mult = k.shape
            weight = k.transpose(2, 3, 0, 1).reshape(c * mult, 1, kh, kw_)
            groups = c
        bias = W[f"{name}/bias"] if cfg.get("use_bias") else np.zeros(weight.shape[0])
        stride = cfg["strides"][0]
        if cfg["padding"] == "same":
            assert stride == 1, f"{name}: 'same' padding with stride 2 needs Keras' asymmetric rule"
            pad = (weight.shape[2] - 1) // 2
        else:
            pad = 0
        st = Step(name, "conv", ins, weight=weight, bias=bias, stride=stride, pad=pad, groups=groups)
    elif cls == "BatchNormalization":
        prev = by_name[ins[0]]
        assert prev.kind == "conv" and len(ins) == 1, f"{name}: BatchNormalization must follow a convolution"
        g = W[f"{name}/gamma"] if cfg["scale"] else 1.0
        be = W[f"{name}/beta"] if cfg["center"] else 0.0
        mean, var = W[f"{name}/moving_mean"], W[f"{name}/moving_variance"]
        s = g / np.sqrt(var + cfg["epsilon"])
        prev.kw["weight"] = prev.kw["weight"] * s.reshape(-1, 1, 1, 1)
        prev.kw["bias"] = (prev.kw["bias"] - mean) * s + be
        by_name[name] = prev                              # later layers read the folded convolution
        continue
    elif cls == "ReLU":
        assert cfg.get("negative_slope", 0) == 0 and cfg.get("threshold", 0) == 0
        st = Step(name, "relu6" if cfg.get("max_value") == 6 else "relu", ins)
    elif cls == "Add":
        st = Step(name, "add", ins)
    elif cls == "AveragePooling2D":
        assert cfg["padding"] == "valid"
        st = Step(name, "avgpool", ins, size=cfg["pool_size"][0], stride=cfg["strides"][0])
    elif cls == "Flatten":
        st = Step(name, "flatten", ins)
    elif cls == "Dense":
        st = Step(name, "dense", ins, weight=W[f"{name}/kernel"].T, bias=W[f"{name}/bias"], act=cfg["activation"])
    elif cls == "Dropout":
        st = Step(name, "identity", ins)
    else:
        raise SystemExit(f"unsupported layer {cls} ({name})")
    steps.append(st)
    by_name[name] = st
# Inputs may name a folded BatchNormalization: point them at the step that now computes it.
for st in steps:
    st.inputs = [by_name[i].name for i in st.inputs]


class KerasGraph(torch.nn.Module):
    """Runs the steps up to `stop`; `pool` averages the final feature map. Weights are float32 buffers."""
    def __init__(self, stop, pool, logits):
        super().__init__()
        self.plan = []
        for st in steps:
            self.plan.append(st)
            if st.name == stop:
                break
        else:
            raise SystemExit(f"no layer named {stop}")
        self.pool, self.logits = pool, logits
        for i, st in enumerate(self.plan):
            for key in ("weight", "bias"):
                if key in st.kw:
                    self.register_buffer(f"p{i}_{key}", torch.tensor(st.kw[key], dtype=torch.float32))

    def forward(self, x):
        vals = {}
        for i, st in enumerate(self.plan):
            src = [vals[n] for n in st.inputs]
            k = st.kind
            if k == "input":
                y = x
            elif k == "pad":
                y = F.pad(src[0], st.kw["pad"])
            elif k == "conv":
                y = F.conv2d(src[0], getattr(self, f"p{i}_weight"), getattr(self, f"p{i}_bias"), st.kw["stride"],
                             st.kw["pad"], 1, st.kw["groups"])
            elif k == "relu6":
                y = F.hardtanh(src[0], 0.0, 6.0)
            elif k == "relu":
                y = F.relu(src[0])
            elif k == "add":
                y = src[0] + src[1]
            elif k == "avgpool":
                y = F.avg_pool2d(src[0], st.kw["size"], st.kw["stride"])
            elif k == "flatten":
                y = src[0].permute(0, 2, 3, 1).flatten(1)  # Keras flattens channels-last
            elif k == "dense":
                y = F.linear(src[0], getattr(self, f"p{i}_weight"), getattr(self, f"p{i}_bias"))
                if st.kw["act"] == "relu":
                    y = F.relu(y)
                elif st.kw["act"] == "softmax" and not self.logits:
                    y = F.softmax(y, 1)
            else:
                y = src[0]
            vals[st.name] = y
        y = vals[self.plan[-1].name]
        return y.mean(dim=(2, 3)) if self.pool else y


example = torch.rand(2, 3, 224, 224)
with torch.no_grad():
    emb = torch.jit.trace(KerasGraph(a.layer, True, False).eval(), example)
    emb = torch.jit.freeze(emb)
    emb.save(a.out)
    print(f"saved {a.out}: {tuple(emb(example).shape)} features from {a.layer}")
    if a.logits:
        head = torch.jit.freeze(torch.jit.trace(KerasGraph("dense_3", False, True).eval(), example))
        head.save(a.logits)
        print(f"saved {a.logits}: {tuple(head(example).shape)} logits")
