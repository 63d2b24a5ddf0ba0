"""The palindrome memory task: read the first T-1 symbols of a palindrome, predict the last.

The last symbol equals the first, so the network must carry one symbol across T-1 steps:
a test of long-range memory on which a vanilla RNN fails as T grows and an LSTM does not.

* :mod:`.data`: seeded palindromes (digits 0-9, or binary with ``symbols=2``).
* :mod:`.train`: a cell from :mod:`models.classic_cells` run over time, trained on the last step.
* :mod:`.sweep`: accuracy vs T for several cells and seeds; :mod:`.plots`: the figures.

    python -m models.palindrome --cell lstm --length 20 --seeds 0 1 2 --plot out.png
    python -m models.palindrome sweep --cells rnn lstm peephole --lengths 5 10 20 --out docs/results_classic
"""
