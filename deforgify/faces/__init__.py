"""Faces in a photo: finding them (:mod:`.finding`, with the detectors in ``face_models/``),
those worth judging (:mod:`.crops`) and the crop the model sees of each (:mod:`.preprocess`,
shared by training and serving), mirrored and turned copies (:mod:`.turns`), and why a face may
get no answer (:mod:`.unjudged`): too small, no colour (:mod:`.colour`) or see-through pixels
(:mod:`.transparency`)."""
