"""Lua classes <-> pygraphnn modules: what a ``.t7`` object of class ``nn.Linear`` becomes.

:mod:`.load` and :mod:`.save` hold the two registries (``LOADERS``, ``SAVERS``) and the
``nn``/``nngraph`` core; :mod:`.load_misc`, :mod:`.load_spatial`, :mod:`.save_misc` and
:mod:`.save_spatial` add the rest of the zoo; :mod:`.aliases` maps other packages' class
names (``cudnn.*``, ``rnn.*``) onto ``nn`` ones; :mod:`.cudnn`, :mod:`.unknown` and
:mod:`.charrnn` are the foreign classes (cuDNN's instance softmax, any class we do not
know, char-rnn's ``OneHot`` and its checkpoints).
"""
