"""The Lua fields of the zoo classes that are a constructor call on a few scalars.

:data:`SCALAR_CLASSES` lists, per class, the Lua fields that are constructor arguments
(in Lua's argument order) and those set after construction, so that the loader
(:mod:`.load_misc`) and the saver (:mod:`.save_misc`) read and write the same fields.
"""

from __future__ import annotations

from ... import nn

# Lua field, kind (as for _Loader.field), default (... = required), Python attribute
Field = tuple

_SIZE_AVERAGE = ("sizeAverage", "bool", True, "sizeAverage")
_INPLACE = ("inplace", "bool", False, "inplace")

#: class -> (constructor fields in Lua's argument order, fields set after construction)
SCALAR_CLASSES: dict[type, tuple[list[Field], list[Field]]] = {
    nn.LeakyReLU: ([("negval", "num", 1 / 100, "negval"), _INPLACE], []),
    nn.ELU: ([("alpha", "num", 1.0, "alpha"), _INPLACE], []),
    nn.RReLU: ([("lower", "num", 1 / 8, "lower"), ("upper", "num", 1 / 3, "upper"), _INPLACE], []),
    nn.SoftPlus: ([("beta", "num", 1.0, "beta")], [("threshold", "num", 20.0, "threshold")]),
    nn.SoftSign: ([], []),
    nn.SoftShrink: ([("lambda", "num", 0.5, "lambd")], []),
    nn.HardShrink: ([("lambda", "num", 0.5, "lambd")], []),
    nn.Threshold: ([("threshold", "num", 1e-6, "threshold"), ("val", "num", 0.0, "val"), _INPLACE], []),
    nn.Clamp: ([("min_val", "num", ..., "min_val"), ("max_val", "num", ..., "max_val")], [_INPLACE]),
    nn.LogSigmoid: ([], []),
    nn.ReLU6: ([_INPLACE], []),
    nn.TanhShrink: ([], []),
    nn.Contiguous: ([], []),
    nn.Padding: (
        [
            ("dim", "int", ..., "dim"),
            ("pad", "int", ..., "pad"),
            ("nInputDim", "int", None, "nInputDim"),
            ("value", "num", 0.0, "value"),
            ("index", "int", 1, "index"),
        ],
        [],
    ),
    nn.MaskedSelect: ([], []),
    nn.Index: ([("dimension", "int", ..., "dimension")], []),
    nn.CosineDistance: ([], []),
    nn.PairwiseDistance: ([("norm", "num", 2.0, "norm")], []),
    nn.DotProduct: ([], []),
    nn.MV: ([("trans", "bool", False, "trans")], []),
    nn.CMaxTable: ([], []),
    nn.CMinTable: ([], []),
    nn.MixtureTable: ([("dim", "int", None, "dim")], []),
    nn.L1Penalty: (
        [
            ("l1weight", "num", ..., "l1weight"),
            ("sizeAverage", "bool", False, "sizeAverage"),
            ("provideOutput", "bool", True, "provideOutput"),
        ],
        [("loss", "num", 0.0, "loss")],
    ),
    nn.GradientReversal: ([("lambda", "num", 1.0, "lambda_")], []),
    nn.MarginCriterion: ([("margin", "num", 1.0, "margin")], [_SIZE_AVERAGE]),
    nn.MultiLabelMarginCriterion: ([], [_SIZE_AVERAGE]),
    nn.SoftMarginCriterion: ([], [_SIZE_AVERAGE]),
    nn.SmoothL1Criterion: ([_SIZE_AVERAGE], []),
    nn.DistKLDivCriterion: ([], [_SIZE_AVERAGE]),
    nn.HingeEmbeddingCriterion: ([("margin", "num", 1.0, "margin")], [_SIZE_AVERAGE]),
    nn.L1HingeEmbeddingCriterion: ([("margin", "num", 1.0, "margin")], []),
    nn.CosineEmbeddingCriterion: ([("margin", "num", 0.0, "margin")], [_SIZE_AVERAGE]),
    nn.MarginRankingCriterion: ([("margin", "num", 1.0, "margin")], [_SIZE_AVERAGE]),
    nn.ClassSimplexCriterion: ([("nClasses", "int", ..., "nClasses")], [_SIZE_AVERAGE]),
    nn.SoftMin: ([], []),
    nn.GatedLinearUnit: ([("dim", "int", None, "dim")], []),
    nn.ZeroGrad: ([], []),
    nn.Collapse: ([("nInputDim", "int", ..., "nInputDim")], []),
    nn.CAddTensorTable: ([], []),
    nn.ZipTable: ([], []),
    nn.ZipTableOneToMany: ([], []),
    nn.L1Cost: ([], []),
}
