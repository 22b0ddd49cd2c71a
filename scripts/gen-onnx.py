"""Writes ONNX models from published architectures with random weights (see gen-onnx).

Models: resnet18 (ResNet-18 v1, He et al. 2016, 224x224, with BatchNormalization),
mobilenetv2 (Sandler et al. 2018, 224x224, ReLU6 as Clip), mnasnet (MnasNet-B1 without
squeeze-excite, Tan et al. 2019: 3x3 and 5x5 depthwise layers), small (the test model:
conv stem, depthwise conv, residual Add, MaxPool, a conv with asymmetric pads,
GlobalAveragePool, Flatten, Gemm), and malformed variants of small (bad-*).
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Builder:
    def __init__(self, seed, weights=True):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.n = [], [], 0
        self.weights = weights
        self.value_info = []

    def name(self, p):
        self.n += 1
        return "%s%d" % (p, self.n)

    def const(self, name, arr):
        if self.weights:
            self.inits.append(numpy_helper.from_array(arr.astype(np.float32), name))
        else:
            self.value_info.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(arr.shape)))
        return name

    def conv(self, x, cin, cout, k, stride=1, pad=None, groups=1, bn=True, act=None, pads=None):
        nm = self.name("conv")
        fan = cin // groups * k * k
        w = self.rng.standard_normal((cout, cin // groups, k, k)) * np.sqrt(2.0 / fan)
        ins = [x, self.const(nm + ".w", w)]
        if not bn:
            ins.append(self.const(nm + ".b", self.rng.standard_normal(cout) * 0.1))
        p = pads if pads is not None else [k // 2 if pad is None else pad] * 4
        self.nodes.append(helper.make_node("Conv", ins, [nm], name=nm, kernel_shape=[k, k],
                                           strides=[stride, stride], pads=p, group=groups))
        y = nm
        if bn:
            bnm = self.name("bn")
            self.nodes.append(helper.make_node("BatchNormalization", [
                y, self.const(bnm + ".g", self.rng.uniform(0.5, 1.5, cout)),
                self.const(bnm + ".b", self.rng.standard_normal(cout) * 0.1),
                self.const(bnm + ".m", self.rng.standard_normal(cout) * 0.1),
                self.const(bnm + ".v", self.rng.uniform(0.5, 1.5, cout))], [bnm], name=bnm, epsilon=1e-5))
            y = bnm
        return self.act(y, act)

    def act(self, y, act):
        if act == "relu":
            r = self.name("relu")
            self.nodes.append(helper.make_node("Relu", [y], [r], name=r))
            return r
        if act == "relu6":
            r = self.name("relu6")
            lo, hi = self.name("c") + ".min", r + ".max"
            self.inits.append(numpy_helper.from_array(np.array(0, np.float32), lo))
            self.inits.append(numpy_helper.from_array(np.array(6, np.float32), hi))
            self.nodes.append(helper.make_node("Clip", [y, lo, hi], [r], name=r))
            return r
        return y

    def op(self, kind, ins, **attrs):
        nm = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, ins, [nm], name=nm, **attrs))
        return nm

    def gemm(self, x, cin, cout):
        nm = self.name("fc")
        w = self.rng.standard_normal((cout, cin)) * np.sqrt(1.0 / cin)
        self.nodes.append(helper.make_node("Gemm", [x, self.const(nm + ".w", w),
                                                    self.const(nm + ".b", self.rng.standard_normal(cout) * 0.1)],
                                           [nm], name=nm, transB=1))
        return nm

    def model(self, name, x, shape, y, nclass):
        g = helper.make_graph(self.nodes, name,
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info(y, TensorProto.FLOAT, [shape[0], nclass])],
                              initializer=self.inits, value_info=self.value_info)
        if not self.weights:  # weight shapes declared as graph inputs
            g.input.extend(self.value_info)
            del g.value_info[:]
        m = helper.make_model(g, producer_name="embedsyn-gen-onnx",
                              opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 7
        onnx.checker.check_model(m)
        return m


def resnet18(b, hw):
    x = b.conv("input", 3, 64, 7, stride=2, pad=3, act="relu")
    x = b.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        for i in range(2):
            s = stride if i == 0 else 1
            y = b.conv(x, cin, cout, 3, stride=s, act="relu")
            y = b.conv(y, cout, cout, 3)
            sc = x if (s == 1 and cin == cout) else b.conv(x, cin, cout, 1, stride=s, pad=0)
            x = b.act(b.op("Add", [y, sc]), "relu")
            cin = cout
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x])], axis=1)
    return b.gemm(x, 512, 1000)


def inverted_residuals(b, x, cin, stages, act):
    """Stacks of inverted residual blocks: (out channels, depthwise kernel, first stride,
    expansion, repeats); a residual Add where the shape is kept."""
    for cout, k, s, e, n in stages:
        for i in range(n):
            st = s if i == 0 else 1
            hid = cin * e
            y = x if e == 1 else b.conv(x, cin, hid, 1, act=act)
            y = b.conv(y, hid, hid, k, stride=st, groups=hid, act=act)
            y = b.conv(y, hid, cout, 1)
            x = b.op("Add", [y, x]) if (st == 1 and cin == cout) else y
            cin = cout
    x = b.conv(x, cin, 1280, 1, act=act)
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x])], axis=1)
    return b.gemm(x, 1280, 1000)


def mobilenetv2(b, hw):
    x = b.conv("input", 3, 32, 3, stride=2, act="relu6")
    return inverted_residuals(b, x, 32, [(16, 3, 1, 1, 1), (24, 3, 2, 6, 2), (32, 3, 2, 6, 3),
                                         (64, 3, 2, 6, 4), (96, 3, 1, 6, 3), (160, 3, 2, 6, 3),
                                         (320, 3, 1, 6, 1)], "relu6")


def mnasnet(b, hw):
    x = b.conv("input", 3, 32, 3, stride=2, act="relu")
    x = b.conv(x, 32, 32, 3, groups=32, act="relu")
    x = b.conv(x, 32, 16, 1)
    return inverted_residuals(b, x, 16, [(24, 3, 2, 3, 3), (40, 5, 2, 3, 3), (80, 5, 2, 6, 3),
                                         (96, 3, 1, 6, 2), (192, 5, 2, 6, 4), (320, 3, 1, 6, 1)],
                              "relu")


def small(b, hw):
    s = b.conv("input", 3, 8, 3, act="relu")
    y = b.conv(s, 8, 8, 3, groups=8, act="relu")
    y = b.conv(y, 8, 8, 1)
    x = b.act(b.op("Add", [y, s]), "relu")
    x = b.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = b.conv(x, 8, 16, 3, stride=2, pads=[0, 0, 1, 1], bn=False, act="relu6")
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x])], axis=1)
    return b.gemm(x, 16, 10)


def int8_formula(rows, cols, a, b):
    """The int8 weights of the mlp model: ((a*i + b*j) % 11) - 5 (test_onnx recomputes them)."""
    i, j = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return (((a * i + b * j) % 11) - 5).astype(np.int8)


def mlp(b, hw):
    """Flatten, MatMul with int8 B[K, M], Relu, Gemm with int8 B[K, M] (transB = 0) and an
    int32 bias: the weight transposes and int8 initializers of the importer."""
    x = b.op("Flatten", ["input"], axis=1)
    b.inits.append(numpy_helper.from_array(int8_formula(16, 12, 7, 3), "w1"))
    x = b.act(b.op("MatMul", [x, "w1"]), "relu")
    b.inits.append(numpy_helper.from_array(int8_formula(12, 6, 5, 2), "w2"))
    b.inits.append(numpy_helper.from_array((np.arange(6) * 3 - 7).astype(np.int32), "b2"))
    return b.op("Gemm", [x, "w2", "b2"], transB=0)


MODELS = {"resnet18": (resnet18, 224, 1000), "mobilenetv2": (mobilenetv2, 224, 1000),
          "mnasnet": (mnasnet, 224, 1000), "small": (small, 16, 10), "mlp": (mlp, 2, 6)}


def build(name, seed, weights=True):
    fn, hw, ncls = MODELS[name]
    b = Builder(seed, weights)
    y = fn(b, hw)
    return b.model(name, "input", [1, 4 if name == "mlp" else 3, hw, hw], y, ncls)


def malformed(kind, seed):
    """Bytes of a malformed variant of the small model."""
    m = build("small", seed)
    if kind == "truncated":
        data = m.SerializeToString()
        return data[: len(data) // 2]
    if kind == "unknown-op":
        m.graph.node[3].op_type = "FancyOp"
    elif kind == "dynamic":
        d = m.graph.input[0].type.tensor_type.shape.dim[0]
        d.ClearField("dim_value")
        d.dim_param = "N"
    elif kind == "absurd":
        for i, v in enumerate([1, 3, 3000000000, 3000000000]):
            m.graph.input[0].type.tensor_type.shape.dim[i].dim_value = v
    elif kind == "attr":
        pool = [n for n in m.graph.node if n.op_type == "MaxPool"][0]
        pool.attribute.append(helper.make_attribute("ceil_mode", 1))
    elif kind == "missing-init":
        del m.graph.initializer[0]
    elif kind == "not-onnx":
        return b"this is not a protobuf file\n" * 4
    return m.SerializeToString()


BAD = ["truncated", "unknown-op", "dynamic", "absurd", "missing-init", "not-onnx", "attr"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=list(MODELS) + ["bad-" + k for k in BAD])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-weights", action="store_true",
                    help="no initializers: weight shapes are graph inputs (the importer draws int8 weights)")
    a = ap.parse_args()
    if a.model.startswith("bad-"):
        data = malformed(a.model[4:], a.seed)
    else:
        data = build(a.model, a.seed, not a.no_weights).SerializeToString()
    with open(a.out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
