"""The network and what travels with its weights: its architectures and layers, its folder and
config, where it comes from (a folder, the Hub, the bundled copy), what names it in an answer, the
calibration of its scores, and the graph that serves them (LiteRT or Keras)."""
