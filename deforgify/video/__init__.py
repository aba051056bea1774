"""Videos: frames sampled evenly over a clip, faces followed across frames as tracks, each track
scored from its frames, and the clip's verdict decided by its most suspicious track.

- :mod:`.frames` opens a clip, checks its limits, and streams the sampled frames (an animated
  picture's through :mod:`.pictures`);
- :mod:`.tracks` follows faces from frame to frame;
- :mod:`.combine` turns a track's frame scores into one (the rule chosen by measurement);
- :mod:`.timeline` the result: verdict, tracks and the timeline of frames, as a JSON row;
- :mod:`.judge` ties them together with a :class:`~deforgify.detector.Detector`;
- :mod:`.present` what a person is shown of the result (the app's sentence, chart and frame).
"""
