"""char-rnn (Karpathy, 2015) on pygraphnn: a multi-layer character-level LSTM / GRU / RNN.

* :mod:`.data`: ``CharSplitLMMinibatchLoader`` (vocabulary, batches, train/val/test split).
* :mod:`.model`: the char-rnn graphs (:func:`models.classic_cells.stack` with OneHot and LogSoftMax).
* :mod:`.train`: char-rnn's ``train.lua`` (RMSProp, element-wise clipping, lr decay, checkpoints).
* :mod:`.sample`: char-rnn's ``sample.lua`` (temperature, primetext, greedy).
* :mod:`.distributed`: training on several processes (``torchrun``, DistributedDataParallel).

    python -m models.charrnn train --data $PYGRAPHNN_DATA/tinyshakespeare/input.txt
    torchrun --nproc_per_node=2 -m models.charrnn train --data $PYGRAPHNN_DATA/tinyshakespeare/input.txt
    python -m models.charrnn sample cv/lm_lstm_last.pt --temperature 0.8
"""
