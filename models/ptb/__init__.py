"""Zaremba et al. (2014) Penn Treebank LSTM language model: data layer in :mod:`models.ptb.data`."""
