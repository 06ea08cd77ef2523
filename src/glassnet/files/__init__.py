"""File formats: the model file, training checkpoints and ONNX export, over one safe archive.

``archive`` writes and reads the zip + JSON + .npy archives that ``model`` (the ``.glassnet``
model file) and ``checkpoints`` (a training state) are made of: written atomically, read as
hostile input, never executing code. ``onnx`` exports a network for other runtimes.
"""
